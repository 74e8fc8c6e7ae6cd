'use strict';
// Loads the compiled addon; build it with `npm run build --workspace native/node-agent`.
module.exports = require('./build/Release/node_agent.node');
