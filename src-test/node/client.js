#!/usr/bin/env node
// Swapgate end-to-end test client: a Node.js gRPC client built from the .proto file alone (no generated code).
//
//   node client.js PORT PROMPT MAX_TOKENS [HOST]
//
// Calls Inference.Generate and then Inference.GenerateStream with the same greedy request and prints one
// JSON line: {"unary": text, "stream": concatenated stream text, "finish": unary finish reason,
// "streamFinish": finish reason of the last stream message}. Finish reasons are the enum names
// (e.g. "FINISH_REASON_LENGTH"). The API key comes from $SWAPGATE_API_KEY. Any failure is printed on stderr and the
// exit code is 1.
'use strict';

const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const PROTO_ROOT = path.join(__dirname, '..', '..', 'proto', 'src', 'main', 'proto');
const PROTO_FILE = 'swapgate/v1/inference.proto';
const CALL_TIMEOUT_MS = 60_000;

function usage(message) {
  process.stderr.write(`${message}\nusage: node client.js PORT PROMPT MAX_TOKENS [HOST]\n`);
  process.exit(2);
}

function parseArgs(argv) {
  if (argv.length < 3 || argv.length > 4) {
    usage('expected 3 or 4 arguments');
  }
  const port = Number.parseInt(argv[0], 10);
  const maxTokens = Number.parseInt(argv[2], 10);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    usage(`invalid port '${argv[0]}'`);
  }
  if (!Number.isInteger(maxTokens) || maxTokens <= 0) {
    usage(`invalid max tokens '${argv[2]}'`);
  }
  return { port, prompt: argv[1], maxTokens, host: argv[3] || 'localhost' };
}

function loadInferenceService() {
  const definition = protoLoader.loadSync(PROTO_FILE, {
    includeDirs: [PROTO_ROOT],
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const descriptor = grpc.loadPackageDefinition(definition);
  return descriptor.swapgate.v1.Inference;
}

function deadline() {
  return new Date(Date.now() + CALL_TIMEOUT_MS);
}

// Every call carries the API key as gRPC metadata, as the gateway requires.
function credentials() {
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${process.env.SWAPGATE_API_KEY || ''}`);
  return metadata;
}

function generate(client, request) {
  return new Promise((resolve, reject) => {
    client.Generate(request, credentials(), { deadline: deadline() }, (error, response) => {
      if (error) {
        reject(new Error(`Generate failed: ${error.code} ${error.details || error.message}`));
      } else {
        resolve(response);
      }
    });
  });
}

function generateStream(client, request) {
  return new Promise((resolve, reject) => {
    const call = client.GenerateStream(request, credentials(), { deadline: deadline() });
    const pieces = [];
    let last = null;
    call.on('data', (message) => {
      pieces.push(message.text);
      last = message;
    });
    call.on('error', (error) => {
      reject(new Error(`GenerateStream failed: ${error.code} ${error.details || error.message}`));
    });
    call.on('end', () => {
      if (last === null) {
        reject(new Error('GenerateStream ended without any message'));
      } else {
        resolve({ text: pieces.join(''), finishReason: last.finishReason });
      }
    });
  });
}

async function main() {
  const { port, prompt, maxTokens, host } = parseArgs(process.argv.slice(2));
  const Inference = loadInferenceService();
  const client = new Inference(`${host}:${port}`, grpc.credentials.createInsecure());
  try {
    const request = {
      prompt,
      maxNewTokens: maxTokens,
      // temperature is a proto3 'optional' field: it must be sent explicitly, as 0 means greedy and unset means 1.0.
      sampling: { temperature: 0 },
    };
    const unary = await generate(client, request);
    const stream = await generateStream(client, request);
    process.stdout.write(JSON.stringify({
      unary: unary.text,
      stream: stream.text,
      finish: unary.finishReason,
      streamFinish: stream.finishReason,
    }) + '\n');
  } finally {
    client.close();
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
