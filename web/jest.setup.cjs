// jsdom lacks the encoding globals react-router uses; Node's are the same WHATWG classes.
const { TextEncoder, TextDecoder } = require('node:util');

globalThis.TextEncoder ??= TextEncoder;
globalThis.TextDecoder ??= TextDecoder;
