// Preloaded into a benchmarked process (`node -r bench/report-rss.cjs …`): writes its peak resident
// set size in bytes to the file named by MOLT_BENCH_RSS_FILE when it exits.
const { writeFileSync } = require('node:fs');

process.on('exit', () => {
  const file = process.env.MOLT_BENCH_RSS_FILE;
  if (file) writeFileSync(file, String(process.resourceUsage().maxRSS * 1024));
});
