// A small seeded ratings CSV (userId,movieId,rating) as text: the csvParallel tests' fixture.
export function ratingsText(n: number, seed = 1): string {
  let s = seed;
  let text = 'userId,movieId,rating\n';
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    text += `${i},${s % 5000},${(s % 10) / 2 + 0.5}\n`;
  }
  return text;
}
