#!/usr/bin/env node
// ctct-oauth: authorize an application against the Constant Contact V3 API once (in a browser, or with a
// code on another device), then run unattended: `ctct-oauth token` prints a valid access token, refreshing
// and saving the rotated pair first. `ctct-oauth --help` documents the commands, options and exit codes.
//
// Tokens go through the library's own sessions and stores, so a pair saved here is the record production
// code reads with redisStore/postgresStore (or fileStore, `ctct-oauth/file-store`, with the same contract).
// The command's modules are in ../cli/ (main.mjs runs it).
import { run } from "../cli/main.mjs";

await run(process.argv.slice(2));
