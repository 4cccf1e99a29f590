#!/usr/bin/env node
// The CLI runs from the library's build output (`npm ci` builds it in `prepare`).
require('../dist/cli/main.js');
