// Preloaded by `bench/ab.ts --clock cpu` (after tsx): performance.now() reads this process's
// CPU time (user + system, all threads) instead of the wall clock, so a bench's rows/s become
// rows per CPU second — steadier than wall time on a machine that other processes keep busy,
// and blind to waiting (I/O, a worker's hand-over), so report it beside a wall-clock run.
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
Object.defineProperty(performance, 'now', { value: cpuMs, configurable: true, writable: true });
