// Parses the Start job form's examples: JSON Lines, one TrainingExample (kafka.proto) per line in proto3 JSON.
// Checks what the browser can check cheaply, so a typo is reported with its line before anything is sent.

// proto3 JSON parsers accept both the lowerCamelCase and the original field names.
const FIELDS = new Set(['exampleId', 'example_id', 'adapter', 'prompt', 'completion', 'preference', 'feedback']);
const SIGNALS = ['completion', 'preference', 'feedback'];

function isObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function problemWith(example, adapter) {
  if (!isObject(example)) return 'each line must be a JSON object';
  const unknown = Object.keys(example).find((key) => !FIELDS.has(key));
  if (unknown) return `unknown field "${unknown}" (expected exampleId, adapter, prompt and one of completion, preference, feedback)`;
  for (const key of ['exampleId', 'example_id', 'adapter', 'prompt', 'completion']) {
    if (key in example && typeof example[key] !== 'string') return `"${key}" must be a string`;
  }
  if (!(example.exampleId ?? example.example_id)) return 'needs an "exampleId" (unique per adapter)';
  if (!example.prompt) return 'needs a non-empty "prompt"';
  if (example.adapter && adapter && example.adapter !== adapter) return `is for ${example.adapter}, not ${adapter}`;
  const signals = SIGNALS.filter((key) => example[key] != null);
  if (signals.length > 1) return `only one of completion, preference, feedback may be set (found ${signals.join(', ')})`;
  if (!signals.length) return 'needs a completion, a preference or a feedback';
  if ('preference' in example) {
    const { preference } = example;
    if (!isObject(preference) || typeof preference.chosen !== 'string' || typeof preference.rejected !== 'string') {
      return '"preference" must be {"chosen": "...", "rejected": "..."}';
    }
  }
  if ('feedback' in example) {
    const { feedback } = example;
    if (!isObject(feedback) || typeof feedback.completion !== 'string' || (feedback.score != null && typeof feedback.score !== 'number')) {
      return '"feedback" must be {"completion": "...", "score": -1 to 1}';
    }
  }
  return '';
}

/**
 * Returns { examples, errors }: the parsed examples (blank lines skipped) and, for the lines that are wrong,
 * { line (1-based), message }. adapter (tenant/name), when given, must match the examples that name one.
 */
export function parseExamples(text, adapter = '') {
  const examples = [];
  const errors = [];
  text.split(/\r\n|\r|\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line) return;
    let example;
    try {
      example = JSON.parse(line);
    } catch (error) {
      errors.push({ line: index + 1, message: `not valid JSON (${error.message})` });
      return;
    }
    const problem = problemWith(example, adapter);
    if (problem) errors.push({ line: index + 1, message: problem });
    else examples.push(example);
  });
  return { examples, errors };
}
