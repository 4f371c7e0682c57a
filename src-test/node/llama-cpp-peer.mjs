#!/usr/bin/env node
// llama.cpp (through node-llama-cpp, its prebuilt CPU binary) as the peer of Swapgate's benchmark and agreement test.
//
//   node llama-cpp-peer.mjs --model FILE.gguf --prompt 1,416,22,5 --tokens 32 [--threads 1] [--streams 1] [--warmup 4]
//                           [--kv-cache default|F32|F16] [--flash-attention auto|on|off] [--log-probabilities]
//                           [--lora ADAPTER.gguf]
//   node llama-cpp-peer.mjs --model FILE.gguf --tokenize-file TEXTS.json
//
// Feeds the prompt's token ids as they are (no tokenizer round trip) to --streams sequences of one context at once and
// decodes each greedily (temperature 0: the argmax) for --tokens tokens, end-of-generation tokens included, so the
// output compares token for token with another engine's. --kv-cache and --flash-attention default to llama.cpp's own
// defaults (an F16 KV cache; flash attention where supported, whose CPU kernel rounds too: with it on, an F32 cache
// gave the same logits as F16); F32 and off take that rounding out of a comparison of the arithmetic. After a warm-up
// of --warmup tokens on the first sequence (0: none), prints one JSON line:
//   {"tokens": [[ids of stream 0], ...], "ttftMs": [per stream], "decodeTokensPerSecond": [per stream, after the first
//    token], "aggregateTokensPerSecond": all streams' tokens over the wall time from the first start to the last end,
//    "wallMs", "threads", "streams", "contextSize" (per sequence), "batchSize", "flashAttention", "kvCacheType",
//    "buildType", "gpu", "llamaCpp"}.
// --lora applies a LoRA adapter in llama.cpp's GGUF form at scale 1 (llama.cpp multiplies by alpha / rank itself).
// --log-probabilities (one stream only) then feeds the prompt and the greedy tokens again and adds "logProbabilities":
// per greedy step, the natural log of every vocabulary entry's probability (index = token id; null where it is 0),
// the softmax of llama.cpp's raw logits, so log-probability differences are its logit differences.
// --tokenize-file reads a JSON array of texts and prints {"tokenized": [[ids of text 0], ...]}: llama.cpp's tokenizer
// with special tokens parsed (as its chat paths do) and no BOS added, nothing evaluated.
// Never builds or downloads anything: only the installed prebuilt CPU binaries are used, else it fails (exit code 1).
import {readFile} from 'node:fs/promises';
import {getLlama, LlamaLogLevel} from 'node-llama-cpp';

function usage(message) {
  process.stderr.write(`${message}\nusage: node llama-cpp-peer.mjs --model FILE.gguf --prompt ID,ID,... --tokens N `
      + '[--threads N] [--streams N] [--warmup N] [--kv-cache default|F32|F16] '
      + '[--flash-attention auto|on|off] [--log-probabilities] [--lora ADAPTER.gguf]\n');
  process.exit(2);
}

function positive(name, text, min = 1) {
  const value = Number.parseInt(text, 10);
  if (!Number.isInteger(value) || String(value) !== String(text).trim() || value < min) {
    usage(`${name} must be an integer >= ${min}, not '${text}'`);
  }
  return value;
}

function parseArgs(argv) {
  const options = {threads: 1, streams: 1, warmup: 4, kvCache: 'default', flashAttention: 'auto'};
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--log-probabilities') {
      options.logProbabilities = true;
      i -= 1;
      continue;
    }
    if (value === undefined) {
      usage(`${flag} needs a value`);
    }
    switch (flag) {
      case '--model': options.model = value; break;
      case '--lora': options.lora = value; break;
      case '--tokenize-file': options.tokenizeFile = value; break;
      case '--prompt': options.prompt = value.split(',').map((id) => positive('a prompt token id', id, 0)); break;
      case '--tokens': options.tokens = positive('--tokens', value); break;
      case '--threads': options.threads = positive('--threads', value); break;
      case '--streams': options.streams = positive('--streams', value); break;
      case '--warmup': options.warmup = positive('--warmup', value, 0); break;
      case '--kv-cache':
        if (!['default', 'F32', 'F16'].includes(value)) {
          usage(`--kv-cache must be default, F32 or F16, not '${value}'`);
        }
        options.kvCache = value;
        break;
      case '--flash-attention':
        if (!['auto', 'on', 'off'].includes(value)) {
          usage(`--flash-attention must be auto, on or off, not '${value}'`);
        }
        options.flashAttention = value;
        break;
      default: usage(`unknown flag ${flag}`);
    }
  }
  if (options.model && options.tokenizeFile) {
    return options;
  }
  if (!options.model || !options.prompt || !options.tokens) {
    usage('--model, --prompt and --tokens are required');
  }
  if (options.logProbabilities && options.streams !== 1) {
    usage('--log-probabilities needs --streams 1');
  }
  return options;
}

/**
 * The log-probabilities llama.cpp gives every vocabulary entry after the prompt and after each of `tokens` but the
 * last: the prompt and tokens are fed in one controlled evaluation that asks for the full distribution at those
 * positions (temperature 0: no sampler truncates or reshapes the logits before the softmax).
 */
async function logProbabilities(sequence, prompt, tokens) {
  const fed = [...prompt, ...tokens.slice(0, -1)];
  const input = fed.map((token, index) => (index < prompt.length - 1
    ? token
    : [token, {generateNext: {probabilities: true, options: {temperature: 0}}}]));
  const results = await sequence.controlledEvaluate(input);
  const steps = [];
  for (let index = prompt.length - 1; index < fed.length; index++) {
    const probabilities = results[index]?.next?.probabilities;
    if (probabilities == null) {
      throw new Error(`position ${index}: no probabilities`);
    }
    const row = new Array(probabilities.size).fill(null); // one entry per vocabulary entry: no sampler truncated it
    for (const [token, probability] of probabilities) {
      row[token] = probability > 0 ? Math.log(probability) : null;
    }
    steps.push(row);
  }
  return steps;
}

/** Greedy decoding of `count` tokens after `prompt` on one sequence, timed. */
async function decode(sequence, prompt, count) {
  const started = performance.now();
  const times = [];
  const tokens = [];
  if (count > 0) {
    for await (const token of sequence.evaluate(prompt, {temperature: 0, yieldEogToken: true})) {
      times.push(performance.now());
      tokens.push(token);
      if (tokens.length >= count) {
        break;
      }
    }
  }
  const ended = performance.now();
  return {started, ended, tokens, times};
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const llama = await getLlama({
    gpu: false, // the CPU build: no CUDA or Vulkan probing
    build: 'never', // a prebuilt (or earlier local) binary or an error, never a build from source
    skipDownload: true, // never fetch llama.cpp's source
    usePrebuiltBinaries: true,
    progressLogs: false,
    maxThreads: options.threads,
    logLevel: LlamaLogLevel.error,
  });
  const model = await llama.loadModel({modelPath: options.model, gpuLayers: 0});
  if (options.tokenizeFile) {
    const texts = JSON.parse(await readFile(options.tokenizeFile, 'utf8'));
    process.stdout.write(JSON.stringify({tokenized: texts.map((text) => Array.from(model.tokenize(text, true)))}) + '\n');
    await model.dispose();
    await llama.dispose();
    return;
  }
  // Each sequence gets its own contextSize cells (node-llama-cpp pads it to a multiple of 256).
  const contextSize = options.prompt.length + options.tokens + 8;
  const context = await model.createContext({
    sequences: options.streams,
    contextSize,
    threads: {ideal: options.threads, min: options.threads},
    ...(options.lora ? {lora: {adapters: [{filePath: options.lora}]}} : {}),
    flashAttention: options.flashAttention === 'auto' ? 'auto' : options.flashAttention === 'on',
    // llama.cpp's default KV cache is F16; F32 takes its rounding out of a comparison of the arithmetic.
    ...(options.kvCache === 'default'
      ? {}
      : {experimentalKvCacheKeyType: options.kvCache, experimentalKvCacheValueType: options.kvCache}),
  });
  try {
    const sequences = [];
    for (let s = 0; s < options.streams; s++) {
      sequences.push(context.getSequence());
    }
    if (options.warmup > 0) {
      await decode(sequences[0], options.prompt, options.warmup);
      await sequences[0].clearHistory();
    }
    const runs = await Promise.all(sequences.map((sequence) => decode(sequence, options.prompt, options.tokens)));
    const logProbs = options.logProbabilities
      ? await (async () => {
        await sequences[0].clearHistory();
        return logProbabilities(sequences[0], options.prompt, runs[0].tokens);
      })()
      : undefined;
    const first = Math.min(...runs.map((r) => r.started));
    const last = Math.max(...runs.map((r) => r.ended));
    const total = runs.reduce((sum, r) => sum + r.tokens.length, 0);
    const result = {
      tokens: runs.map((r) => r.tokens),
      ttftMs: runs.map((r) => (r.times.length > 0 ? r.times[0] - r.started : null)),
      decodeTokensPerSecond: runs.map((r) => (r.times.length > 1
        ? (r.times.length - 1) / ((r.times[r.times.length - 1] - r.times[0]) / 1000)
        : null)),
      aggregateTokensPerSecond: total / ((last - first) / 1000),
      wallMs: last - first,
      threads: context.currentThreads,
      idealThreads: context.idealThreads,
      streams: options.streams,
      contextSize: context.contextSize,
      batchSize: context.batchSize,
      flashAttention: context.flashAttention,
      kvCacheType: [context.kvCacheKeyType, context.kvCacheValueType],
      buildType: llama.buildType,
      gpu: llama.gpu,
      llamaCpp: llama.llamaCppRelease,
      ...(logProbs ? {logProbabilities: logProbs} : {}),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await context.dispose();
    await model.dispose();
    await llama.dispose();
  }
}

main().catch((error) => {
  process.stderr.write(`llama-cpp-peer: ${error?.stack ?? error}\n`);
  process.exit(1);
});
