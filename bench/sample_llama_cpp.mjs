// llama.cpp (npm node-llama-cpp) decoding speed on a GGUF, for bench/sample_bench.sh.
// usage: node sample_llama_cpp.mjs MODEL.gguf PROMPT_TOKENS_JSON N_TOKENS THREADS STREAMS
// Prints one JSON line: single-stream tokens/s (greedy, no stop), and the aggregate
// tokens/s of STREAMS sequences decoded at once in one context (llama.cpp batches them);
// STREAMS 0 measures the single stream only.
import {getLlama} from "node-llama-cpp";

const [modelPath, promptJson, nText, threadsText, streamsText] = process.argv.slice(2);
const n = Number(nText), threads = Number(threadsText), streams = Number(streamsText);
const prompt = JSON.parse(promptJson);
const llama = await getLlama({gpu: false, build: "never", skipDownload: true, usePrebuiltBinaries: true});
const model = await llama.loadModel({modelPath, gpuLayers: 0});

async function decode(seq, count) {
  let got = 0;
  for await (const t of seq.evaluate(prompt, {temperature: 0})) {
    if (++got >= count) break;
  }
  return got;
}

const single = await model.createContext({contextSize: model.trainContextSize, threads, flashAttention: false,
  experimentalKvCacheKeyType: "F32", experimentalKvCacheValueType: "F32"});
const seq = single.getSequence();
await decode(seq, 8);  // warm-up
await seq.clearHistory();
let t0 = performance.now();
const got = await decode(seq, n);
const singleTps = got / ((performance.now() - t0) / 1000);
await single.dispose();

if (streams === 0) {
  console.log(JSON.stringify({single_tokens_per_s: singleTps, threads}));
  process.exit(0);
}
const multi = await model.createContext({contextSize: model.trainContextSize, sequences: streams, threads,
  flashAttention: false, experimentalKvCacheKeyType: "F32", experimentalKvCacheValueType: "F32"});
const seqs = Array.from({length: streams}, () => multi.getSequence());
t0 = performance.now();
const counts = await Promise.all(seqs.map((s) => decode(s, n)));
const multiTps = counts.reduce((a, b) => a + b, 0) / ((performance.now() - t0) / 1000);
console.log(JSON.stringify({single_tokens_per_s: singleTps, streams, aggregate_tokens_per_s: multiTps, threads}));
process.exit(0);
