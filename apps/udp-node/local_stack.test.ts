import assert from "node:assert/strict";
import {
  dataDirFor,
  ensureDataDir,
  localStack,
  readStackState,
  writeStackState,
} from "./local_stack.ts";

Deno.test("local stack: .data is created 0700; an open .data is tightened, another dir left alone", async () => {
  const root = await Deno.makeTempDir();
  await Deno.writeTextFile(`${root}/package.json`, JSON.stringify({ name: "dmp-edge" }));
  await Deno.mkdir(`${root}/a/b`, { recursive: true });
  const dir = dataDirFor(undefined, `${root}/a/b`)!;
  assert.equal(dir, `${root}/.data`);
  assert.equal(ensureDataDir(localStack(dir)), false);
  assert.equal((await Deno.stat(dir)).mode! & 0o777, 0o700);
  await Deno.chmod(dir, 0o755);
  assert.equal(ensureDataDir(localStack(dir)), false);
  assert.equal((await Deno.stat(dir)).mode! & 0o777, 0o700);
  // DMP_DATA_DIR pointing at a shared directory: never chmod it, report it.
  const shared = await Deno.makeTempDir();
  await Deno.chmod(shared, 0o1777);
  assert.equal(dataDirFor(shared, "/"), shared);
  assert.equal(ensureDataDir(localStack(shared)), true);
  assert.equal((await Deno.stat(shared)).mode! & 0o7777, 0o1777);
  // Outside a checkout there is no local stack.
  assert.equal(dataDirFor(undefined, "/"), undefined);
  // The state file round-trips and is private.
  const stack = localStack(dir);
  writeStackState(stack, { dbUrl: "http://127.0.0.1:8080", mode: "sqld" });
  assert.deepEqual(readStackState(stack), { dbUrl: "http://127.0.0.1:8080", mode: "sqld" });
  assert.equal((await Deno.stat(stack.stateFile)).mode! & 0o777, 0o600);
  await Deno.remove(root, { recursive: true });
  await Deno.remove(shared, { recursive: true });
});
