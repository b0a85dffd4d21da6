import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { freePort } from "./processes.ts";
import { waitFor } from "./wait-for.ts";

const run = promisify(execFile);

/** A CA of this test's own and a certificate it signed for localhost and 127.0.0.1. */
async function makeCertificates(dir: string) {
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => run("openssl", args);
  await openssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    file("ca.key"),
    "-out",
    file("ca.pem"),
    "-days",
    "2",
    "-subj",
    "/CN=skyhook-test-ca",
  );
  await openssl(
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    file("server.key"),
    "-out",
    file("server.csr"),
    "-subj",
    "/CN=localhost",
  );
  await writeFile(file("ext.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  await openssl(
    "x509",
    "-req",
    "-in",
    file("server.csr"),
    "-CA",
    file("ca.pem"),
    "-CAkey",
    file("ca.key"),
    "-CAcreateserial",
    "-out",
    file("server.pem"),
    "-days",
    "2",
    "-extfile",
    file("ext.cnf"),
  );
  return { ca: file("ca.pem"), cert: file("server.pem"), key: file("server.key") };
}

/**
 * A redis-server of this test's own that requires `password` and, with `tls`, speaks only TLS
 * with a certificate from a CA of the test's own (give the apps `NODE_EXTRA_CA_CERTS=caFile`,
 * as a partner with a private CA would).
 */
export async function startSecuredRedis(options: { password: string; tls: boolean }) {
  const dir = await mkdtemp(join(tmpdir(), "skyhook-secured-redis-"));
  const port = await freePort();
  const certificates = options.tls ? await makeCertificates(dir) : undefined;
  const listen =
    certificates === undefined
      ? ["--port", String(port)]
      : [
          "--port",
          "0",
          "--tls-port",
          String(port),
          "--tls-cert-file",
          certificates.cert,
          "--tls-key-file",
          certificates.key,
          "--tls-ca-cert-file",
          certificates.ca,
          "--tls-auth-clients",
          "no",
        ];
  const child: ChildProcess = spawn(
    "redis-server",
    [
      ...listen,
      "--bind",
      "127.0.0.1",
      "--requirepass",
      options.password,
      "--save",
      "",
      "--appendonly",
      "no",
      "--maxmemory-policy",
      "noeviction",
    ],
    { stdio: "ignore" },
  );
  const host = certificates === undefined ? "127.0.0.1" : "localhost";
  const url = `${certificates === undefined ? "redis" : "rediss"}://:${encodeURIComponent(options.password)}@${host}:${port}`;
  const ca = certificates === undefined ? undefined : await readFile(certificates.ca);
  const connect = () =>
    new Redis(url, { maxRetriesPerRequest: null, ...(ca === undefined ? {} : { tls: { ca } }) });
  const probe = connect();
  probe.on("error", () => undefined);
  await waitFor(`redis-server on ${port}`, async () => {
    try {
      return (await probe.ping()) === "PONG" ? true : undefined;
    } catch {
      return undefined;
    }
  });
  probe.disconnect();
  return {
    url,
    port,
    caFile: certificates?.ca,
    connect,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await once(child, "exit");
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
