import { once } from "node:events";
import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ListenError, listen } from "./listen.ts";

const open: Server[] = [];
afterEach(() => {
  for (const server of open.splice(0)) server.close();
});

describe("listen", () => {
  it("binds the server to the port", async () => {
    const server = createServer();
    open.push(server);
    await listen(server, 0, "127.0.0.1", "PORT");
    expect(server.listening).toBe(true);
  });

  it("names the variable to change when the port is taken", async () => {
    const squatter = createServer().listen(0, "127.0.0.1");
    open.push(squatter);
    await once(squatter, "listening");
    const address = squatter.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    const error = await listen(createServer(), port, "127.0.0.1", "OPS_PORT").catch(
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(ListenError);
    expect((error as Error).message).toBe(
      `OPS_PORT: 127.0.0.1:${port} is already in use by another process; set OPS_PORT to another port`,
    );
  });
});
