// Renders an SVG to a PNG with Debian Chromium (playwright-core): media/icon.svg -> media/icon.png (128x128).
// usage: node tools/render-icon.mjs media/icon.svg media/icon.png
import { chromium } from 'playwright-core';
import fs from 'node:fs';
const svg = fs.readFileSync(process.argv[2], 'utf8');
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const p = await b.newPage({ viewport: { width: 128, height: 128 }, deviceScaleFactor: 1 });
await p.setContent(`<html><body style="margin:0;background:transparent">${svg}</body></html>`);
await p.screenshot({ path: process.argv[3], omitBackground: true, clip: { x: 0, y: 0, width: 128, height: 128 } });
await b.close();
