/**
 * Sets variables in process.env and returns a function that puts the previous values back. @actions/artifact
 * reads its configuration from process.env at call time, so in-process tests switch "runs" this way.
 */
export function applyEnv(env: Record<string, string | undefined>): () => void {
  const saved = new Map<string, string | undefined>();
  for (const [name, value] of Object.entries(env)) {
    saved.set(name, process.env[name]);
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  return () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
