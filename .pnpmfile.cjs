// valibot (under bull-board, so in the dashboard's production dependencies) declares an
// optional peer on typescript for its types only; pnpm fills it with the workspace's compiler,
// which would then ship in every production install and image. Nothing runs it there.
module.exports = {
  hooks: {
    readPackage(manifest) {
      if (manifest.name === "valibot") {
        delete manifest.peerDependencies?.typescript;
        delete manifest.peerDependenciesMeta?.typescript;
      }
      return manifest;
    },
  },
};
