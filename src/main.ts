#!/usr/bin/env node
/** The `scoped-secrets` executable: every command, those that run on the server host included. */
import { createProgram, runProgram } from './cli/program';
import { serverHostCommands } from './cli/server-host-commands';

runProgram(createProgram(serverHostCommands));
