// Preloaded (node --require) into CLI runs by network.test.ts: any attempt to open a network
// connection (TCP or UDP, directly, through fetch/undici or https) ends the process with
// exit code 99 and names the target. Local IPC (unix sockets, pipes) is allowed.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS preload for node --require */
const net = require('node:net');
const dgram = require('node:dgram');

function refuse(what) {
  process.stderr.write(`network-guard: connection attempt: ${what}\n`);
  process.exit(99);
}
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  // net.connect() passes its normalized [options, callback] array; a string is a socket path.
  const opts = Array.isArray(args[0]) ? args[0][0] : args[0];
  const isPath = typeof opts === 'string' || (opts && typeof opts === 'object' && Boolean(opts.path));
  if (!isPath) refuse(JSON.stringify(opts));
  return connect.apply(this, args);
};
const send = dgram.Socket.prototype.send;
dgram.Socket.prototype.send = function (...args) {
  refuse('udp send');
  return send.apply(this, args);
};
// Node's built-in fetch (undici) opens its sockets outside the patched prototype.
const realFetch = globalThis.fetch;
globalThis.fetch = function (input, ...rest) {
  refuse(`fetch ${String(typeof input === 'object' && input !== null && 'url' in input ? input.url : input)}`);
  return realFetch.call(this, input, ...rest);
};
