#!/usr/bin/env node
// Swapgate end-to-end test: the official OpenAI Node.js SDK, unchanged, against the gateway's HTTP API.
//
//   node openai-client.js PORT BASE_MODEL ADAPTER_MODEL PROMPT MAX_TOKENS
//
// Prints one JSON line: {"completion": greedy completion text, "chatStream": concatenated streamed chat deltas,
// "chatFinish": the stream's finish reason, "chatChunks": number of content chunks, "adapterCompletion": greedy
// completion text with ADAPTER_MODEL, "error": {"status", "code", "type"} of a request for an unknown model,
// "completionLogprobs": choices[0].logprobs of the completion asked with logprobs: 5, "chatLogprobs" and
// "chatStreamLogprobs": the logprobs.content entries of a chat completion asked with logprobs: true, top_logprobs: 3,
// whole and streamed, "logprobsError": {"status", "param"} of a chat request asking for top_logprobs: 21, and "pets":
// JSON.parse of five sampled chat completions asked with response_format json_schema (strict) and their finish reasons}.
// The API key comes from $SWAPGATE_API_KEY.
'use strict';

const { OpenAI } = require('openai');

async function main(argv) {
  if (argv.length !== 5) {
    process.stderr.write('usage: node openai-client.js PORT BASE_MODEL ADAPTER_MODEL PROMPT MAX_TOKENS\n');
    process.exit(2);
  }
  const [port, baseModel, adapterModel, prompt, maxTokensText] = argv;
  const maxTokens = Number.parseInt(maxTokensText, 10);
  const client = new OpenAI({ baseURL: `http://localhost:${port}/v1`, apiKey: process.env.SWAPGATE_API_KEY, maxRetries: 0, timeout: 60_000 });

  const completion = await client.completions.create({ model: baseModel, prompt, max_tokens: maxTokens, temperature: 0 });

  const stream = await client.chat.completions.create({
    model: baseModel, messages: [{ role: 'user', content: prompt }], max_tokens: maxTokens, temperature: 0, stream: true,
  });
  let chatStream = '';
  let chatFinish = null;
  let chatChunks = 0;
  for await (const chunk of stream) {
    const choice = chunk.choices[0];
    if (choice && choice.delta && choice.delta.content) {
      chatStream += choice.delta.content;
      chatChunks += 1;
    }
    if (choice && choice.finish_reason) {
      chatFinish = choice.finish_reason;
    }
  }

  const adapted = await client.completions.create({ model: adapterModel, prompt, max_tokens: maxTokens, temperature: 0 });

  const completionWithLogprobs = await client.completions.create({
    model: baseModel, prompt, max_tokens: maxTokens, temperature: 0, logprobs: 5,
  });
  const chatRequest = {
    model: baseModel, messages: [{ role: 'user', content: prompt }], max_tokens: maxTokens, temperature: 0,
    logprobs: true, top_logprobs: 3,
  };
  const chatWithLogprobs = await client.chat.completions.create(chatRequest);
  const chatStreamLogprobs = [];
  for await (const chunk of await client.chat.completions.create({ ...chatRequest, stream: true })) {
    const choice = chunk.choices[0];
    if (choice && choice.logprobs && choice.logprobs.content) {
      chatStreamLogprobs.push(...choice.logprobs.content);
    }
  }
  let logprobsError = null;
  try {
    await client.chat.completions.create({ ...chatRequest, top_logprobs: 21 });
  } catch (e) {
    logprobsError = { status: e.status, param: e.param };
  }

  const pets = [];
  for (let seed = 1; seed <= 5; seed++) {
    const structured = await client.chat.completions.create({
      model: baseModel, messages: [{ role: 'user', content: prompt }], max_tokens: 100, temperature: 1, seed,
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'pet', strict: true,
          schema: {
            type: 'object',
            properties: { kind: { enum: ['cat', 'dog'] }, name: { type: 'string', maxLength: 8 }, legs: { type: 'integer', minimum: 0 } },
            required: ['kind', 'name', 'legs'], additionalProperties: false,
          },
        },
      },
    });
    pets.push({ pet: JSON.parse(structured.choices[0].message.content), finish: structured.choices[0].finish_reason });
  }

  let error = null;
  try {
    await client.completions.create({ model: 'nobody/none@stable', prompt, max_tokens: 5 });
  } catch (e) {
    error = { status: e.status, code: e.code, type: e.type };
  }

  process.stdout.write(JSON.stringify({
    completion: completion.choices[0].text,
    completionFinish: completion.choices[0].finish_reason,
    usage: completion.usage,
    chatStream,
    chatFinish,
    chatChunks,
    adapterCompletion: adapted.choices[0].text,
    error,
    completionLogprobs: completionWithLogprobs.choices[0].logprobs,
    chatLogprobs: chatWithLogprobs.choices[0].logprobs.content,
    chatStreamLogprobs,
    logprobsError,
    pets,
  }) + '\n');
}

main(process.argv.slice(2)).catch((e) => {
  process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
