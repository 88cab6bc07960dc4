#!/usr/bin/env node
// The `daebus` command (package.json "bin"). Every verb closes what it opened, so the process
// ends by itself once the command is done; nothing here calls process.exit.
import { stopWhenStdoutFails } from './interrupt';
import { run } from './program';

stopWhenStdoutFails();
void run(process.argv).then((code) => {
  process.exitCode = code;
});
