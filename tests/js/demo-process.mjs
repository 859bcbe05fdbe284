// Runs the demo as a person does (node scripts/demo.mjs, what scripts/demo.sh ends with) on free ports and
// keeps everything it prints, stdout and stderr in order, for tests/demo.test.mjs.
import { spawn } from "node:child_process";

const script = new URL("../../scripts/demo.mjs", import.meta.url).pathname;

/**
 * Starts the command and resolves once its banner is out: `{ startup, output(), url, authzOrigin, stop() }`,
 * `startup` being everything printed until then. `env` is added to the environment (CTCT_CLIENT_ID is
 * removed unless given).
 */
export async function runDemo(env = {}) {
  const { CTCT_CLIENT_ID: _, ...inherited } = process.env;
  const child = spawn(process.execPath, [script], {
    env: { ...inherited, PORT: "0", AUTHZ_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within 30 s:\n${output}`)), 30_000);
    const check = () => /Ctrl-C stops/.test(output) && (clearTimeout(timer), resolve());
    child.stdout.on("data", check);
    child.stderr.on("data", check);
    exited.then((code) => reject(new Error(`the demo exited (${code}) before its banner:\n${output}`)));
  });
  const startup = output;
  const url = startup.match(/open in your browser:\s+(\S+)/)?.[1];
  const authzOrigin = startup.match(/local authorization server:\s+(\S+)/)?.[1];
  return {
    startup,
    output: () => output,
    url,
    authzOrigin,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}
