#!/usr/bin/env node
// The package's command (`npx nestjs-sendfact-auth stand-in`): a local Sendfact for development.
import { runCli } from './stand-in.command.js';

process.exitCode = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
});
