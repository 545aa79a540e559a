// A tiny step runner for scenario scripts run by sandbox.mjs `runScenario`: each step reports
// {name, ok, error} to the parent test; after a failure the rest are reported as skipped.
export function createSteps() {
  const steps = [];
  const step = (name, fn) => steps.push({ name, fn });
  const run = async () => {
    let failed = false;
    for (const s of steps) {
      if (failed) {
        process.send?.({ name: s.name, ok: true, skipped: true });
        continue;
      }
      const started = Date.now();
      try {
        let timer;
        await Promise.race([
          s.fn(),
          new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('step timed out after 60 s')), 60_000); }),
        ]).finally(() => clearTimeout(timer));
        process.send?.({ name: s.name, ok: true, ms: Date.now() - started });
      } catch (e) {
        failed = true;
        const detail = e && e.name ? `${e.name}: ${e.message}` : String(e);
        process.send?.({ name: s.name, ok: false, error: `${detail}\n${e?.stack ?? ''}` });
      }
    }
    // Exit now: the client keeps timers alive (autoSignIn's 3-minute listener, …). Messages are
    // flushed first (the callback of the last send).
    await new Promise((r) => (process.send ? process.send({ done: true }, r) : r()));
    process.exit(0);
  };
  return { step, run };
}

/** Awaits `promise` and returns the error it rejects with (fails if it resolves). */
export async function rejects(promise) {
  try {
    const v = await promise;
    throw Object.assign(new Error(`expected a rejection, got ${JSON.stringify(v)}`), { name: 'DidNotReject' });
  } catch (e) {
    if (e.name === 'DidNotReject') throw e;
    return e;
  }
}
