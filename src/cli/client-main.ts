/**
 * The client the server hands out at /cli/scoped-secrets.mjs: the command
 * line's client commands, bundled into one ES module that runs with plain
 * node, without node_modules or a native addon.
 */
import { createProgram, runProgram } from './program';

runProgram(createProgram());
