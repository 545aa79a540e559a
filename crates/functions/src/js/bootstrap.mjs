// Ampstack's Lambda runtime for Node.js: one worker process runs one function, one invocation at
// a time (as a Lambda execution environment does). Requests arrive as JSON lines on stdin; each
// reply is one line on stdout starting with the marker the parent chose, so anything else the
// handler prints (console.*, process.stdout.write) is forwarded to the sandbox log untouched.
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';

const mark = process.env.AMPSTACK_REPLY_MARK;
const entry = process.env.AMPSTACK_HANDLER_FILE;
const exportName = process.env.AMPSTACK_HANDLER_EXPORT || 'handler';
delete process.env.AMPSTACK_REPLY_MARK;
delete process.env.AMPSTACK_HANDLER_FILE;
delete process.env.AMPSTACK_HANDLER_EXPORT;

const reply = (message) => process.stdout.write('\n' + mark + JSON.stringify(message) + '\n');

let currentRequestId = undefined;
// Lambda's console format: `<ISO time>\t<request id>\t<LEVEL>\t<message>`.
for (const [method, level] of [['log', 'INFO'], ['info', 'INFO'], ['warn', 'WARN'], ['error', 'ERROR'], ['debug', 'DEBUG'], ['trace', 'TRACE']]) {
  console[method] = (...args) => {
    process.stdout.write(`${new Date().toISOString()}\t${currentRequestId ?? 'undefined'}\t${level}\t${format(...args)}\n`);
  };
}

const errorOf = (e) => {
  if (e instanceof Error) {
    return { errorType: e.name || e.constructor?.name || 'Error', errorMessage: e.message, trace: String(e.stack || '').split('\n') };
  }
  if (typeof e === 'string') return { errorType: 'string', errorMessage: e, trace: [] };
  return { errorType: typeof e, errorMessage: safeJson(e), trace: [] };
};
const safeJson = (v) => {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
};

let handler;
let initError;
try {
  const module = await import(pathToFileURL(entry).href);
  handler = module[exportName] ?? module.default?.[exportName];
  if (typeof handler !== 'function') {
    initError = { errorType: 'Runtime.HandlerNotFound', errorMessage: `${entry}.${exportName} is undefined or not exported`, trace: [] };
  }
} catch (e) {
  const err = errorOf(e);
  initError = { errorType: 'Runtime.ImportModuleError', errorMessage: `${err.errorType}: ${err.errorMessage}`, trace: err.trace };
}
reply({ ready: true, error: initError ?? null });

function invoke(request) {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (error, result) => {
      if (settled) return;
      settled = true;
      if (error !== null && error !== undefined) resolve({ error: errorOf(error) });
      else resolve({ result: result === undefined ? null : result });
    };
    const context = {
      awsRequestId: request.requestId,
      functionName: request.functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: request.functionArn,
      memoryLimitInMB: String(request.memoryMb),
      logGroupName: `/aws/lambda/${request.functionName}`,
      logStreamName: request.logStream,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, request.deadlineMs - Date.now()),
      done: (error, result) => finish(error, result),
      succeed: (result) => finish(null, result),
      fail: (error) => finish(error ?? new Error('handled')),
    };
    const callback = (error, result) => finish(error, result);
    try {
      const returned = handler(request.event, context, callback);
      if (returned && typeof returned.then === 'function') {
        returned.then((r) => finish(null, r), (e) => finish(e ?? new Error('Promise rejected without a reason')));
      } else if (handler.length < 3) {
        // A synchronous handler that takes no callback answers with what it returns.
        finish(null, returned);
      }
    } catch (e) {
      finish(e);
    }
  });
}

const lines = createInterface({ input: process.stdin, terminal: false });
let queue = Promise.resolve();
lines.on('line', (line) => {
  if (!line.trim()) return;
  queue = queue.then(async () => {
    const request = JSON.parse(line);
    if (initError) {
      reply({ requestId: request.requestId, error: initError });
      return;
    }
    currentRequestId = request.requestId;
    const outcome = await invoke(request);
    if (outcome.error) {
      process.stdout.write(`${new Date().toISOString()}\t${request.requestId}\tERROR\tInvoke Error \t${safeJson(outcome.error)}\n`);
    }
    let message;
    try {
      message = JSON.stringify({ requestId: request.requestId, ...outcome });
    } catch (e) {
      message = JSON.stringify({ requestId: request.requestId, error: { errorType: 'Runtime.MarshalError', errorMessage: `Unable to stringify response body: ${e.message}`, trace: [] } });
    }
    currentRequestId = undefined;
    process.stdout.write('\n' + mark + message + '\n');
  });
});
lines.on('close', () => process.exit(0));
