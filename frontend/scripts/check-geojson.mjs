#!/usr/bin/env node
// Validates GeoJSON files the way gridgis promises to write them.
//
//   node scripts/check-geojson.mjs FILE... ("-" reads standard input)
//
// Each file must pass @placemarkio/check-geojson (structure and syntax) and
// the rules in geojson-rules.mjs (RFC 7946 winding, at most 6 decimals).
// Prints "ok FILE (N features)" per good file; on a bad one prints the file
// and the reasons to stderr and exits 1. Exit 2 on bad usage.
import { readFileSync } from 'node:fs';
import { check, HintError } from '@placemarkio/check-geojson';
import { checkRules, featureCount } from './geojson-rules.mjs';

const MAX_REPORTED = 20;

function lineOf(text, offset) {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === '\n') line++;
  return line;
}

/** Returns the reasons FILE is bad (none when it is good) and its feature count. */
function checkFile(file) {
  let text;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    return { reasons: [`cannot read: ${err.message}`], features: 0 };
  }
  let geojson;
  try {
    geojson = check(text);
  } catch (err) {
    if (err instanceof HintError) {
      return { reasons: err.issues.map((i) => `line ${lineOf(text, i.from)}: ${i.message}`), features: 0 };
    }
    throw err;
  }
  return { reasons: checkRules(geojson), features: featureCount(geojson) };
}

function main(files) {
  if (files.length === 0) {
    console.error('usage: node scripts/check-geojson.mjs FILE... ("-" for standard input)');
    return 2;
  }
  let failed = 0;
  for (const file of files) {
    const { reasons, features } = checkFile(file);
    if (reasons.length === 0) {
      console.log(`ok ${file} (${features} features)`);
      continue;
    }
    failed++;
    console.error(`FAIL ${file}`);
    for (const r of reasons.slice(0, MAX_REPORTED)) console.error(`  ${r}`);
    if (reasons.length > MAX_REPORTED) console.error(`  … and ${reasons.length - MAX_REPORTED} more`);
  }
  return failed === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
