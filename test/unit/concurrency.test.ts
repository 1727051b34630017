import { describe, expect, it } from 'vitest';
import { mapLimited } from '../../lib/concurrency.js';

describe('mapLimited', () => {
  it('keeps at most `limit` pieces of work in flight and answers the results in the items’ order', async () => {
    // Arrange
    let inFlight = 0;
    let most = 0;
    const items = Array.from({ length: 20 }, (_, index) => index);

    // Act
    const results = await mapLimited(items, 4, async (item) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, (item % 3) * 2));
      inFlight -= 1;
      return item * 10;
    });

    // Assert
    expect(most).toBe(4);
    expect(results).toEqual(items.map((item) => item * 10));
  });
});
