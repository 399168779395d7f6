// The official OpenAI Node SDK against the same server as primer, at the same
// concurrency: `concurrency` workers, each awaiting chat.completions.create in a loop
// until `requests` replies have come back. Prints one JSON line:
//   {"requests": N, "errors": N, "seconds": s, "rps": r, "cpu_seconds": c, "first_error": "..."}
// (cpu_seconds: user + system time of this process while the clock ran).
//
//   node bench/http_bench_node.mjs BASE_URL REQUESTS CONCURRENCY NODE_MODULES_DIR
//
// NODE_MODULES_DIR is the scratch directory that holds node_modules/openai
// (bench/http_bench.sh installs a pinned version there); an ES module resolves bare
// imports next to the script, so the SDK is loaded from that path explicitly.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [baseURL, requestsArg, concurrencyArg, modulesDir] = process.argv.slice(2);
if (!baseURL || !requestsArg || !concurrencyArg || !modulesDir) {
  console.error('usage: node http_bench_node.mjs BASE_URL REQUESTS CONCURRENCY NODE_MODULES_DIR');
  process.exit(2);
}
const total = Number(requestsArg);
const concurrency = Number(concurrencyArg);

const require = createRequire(join(modulesDir, 'index.js'));
const { default: OpenAI } = await import(pathToFileURL(require.resolve('openai')).href);

// maxRetries 0: every request is sent once, as primer's would be against this server.
const client = new OpenAI({ baseURL, apiKey: 'sk-bench', maxRetries: 0, timeout: 60_000 });

// A prompt of the size primer sends (a TinyStories prompt is ~400-500 characters).
const prompt =
  'Write a short story (3-5 paragraphs) which only uses very simple words that a 3 year old child would ' +
  'likely understand. The story should use the verb "hang", the noun "foot" and the adjective "cute". The ' +
  'story should have the following features: the story should contain at least one dialogue. Remember to ' +
  'only use simple words!';

let started = 0;
let done = 0;
let errors = 0;
let firstError = '';

async function worker() {
  while (started < total) {
    const n = started++;
    try {
      const r = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: prompt }],
        max_tokens: 512,
        temperature: 1.0,
        seed: n,
      });
      if (!r.choices?.[0]?.message) throw new Error('no choices in the reply');
    } catch (e) {
      errors++;
      if (!firstError) firstError = String(e?.message ?? e);
    }
    done++;
  }
}

// Warm-up: open the connections before the clock starts, as wrk does.
const warm = Math.min(concurrency, total);
await Promise.all(
  Array.from({ length: warm }, () =>
    client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt }] }).catch(() => {}),
  ),
);

const t0 = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
await Promise.all(Array.from({ length: concurrency }, () => worker()));
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(cpu0);  // microseconds, user and system
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
console.log(
  JSON.stringify({ requests: done, errors, seconds, rps: done / seconds, cpu_seconds: cpuSeconds, first_error: firstError }),
);
