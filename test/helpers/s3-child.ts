// s3rver in a process of its own (startS3's `child` option): prints its endpoint as one
// JSON line, and closes when its stdin closes (the parent exited or called close()).
import { startS3 } from './s3-server.js';

const s3 = await startS3(process.argv[2] ?? 'data');
process.stdout.write(`${JSON.stringify({ endpoint: s3.endpoint })}\n`);
process.stdin.resume();
process.stdin.on('end', () => void s3.close().then(() => process.exit(0)));
