import type { Page } from 'playwright-core';
import type { Pixels } from './png-pixels';

/**
 * Tells drawn Japanese glyphs from "tofu" in a screenshot. A missing glyph is drawn as the same
 * empty box whatever the character, so distinct characters all carry about the same ink; real
 * glyphs differ widely (ー has a few strokes, 集 many).
 */
export interface CharacterBox {
  character: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export const JAPANESE = /[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}]/u;

/** Where each distinct character matching `pattern` in the matched elements is drawn inside the viewport (first occurrence). */
export async function distinctCharacterBoxes(page: Page, selector: string, pattern: RegExp): Promise<CharacterBox[]> {
  const boxes = await characterBoxes(page, selector);
  const viewport = page.viewportSize()!;
  const seen = new Set<string>();
  return boxes.filter((box) => {
    const fits =
      box.x >= 0 && box.y >= 0 && box.x + box.width <= viewport.width && box.y + box.height <= viewport.height;
    if (!fits || !pattern.test(box.character) || seen.has(box.character)) return false;
    seen.add(box.character);
    return true;
  });
}

/** Every character of the matched elements with its rectangle, measured in the browser. */
export function characterBoxes(page: Page, selector: string): Promise<CharacterBox[]> {
  return page.evaluate((query) => {
    // Runs in the browser; tsconfig has no DOM types.
    type Rect = { x: number; y: number; width: number; height: number };
    type TextNode = { textContent: string | null };
    const browser = globalThis as unknown as {
      document: {
        querySelectorAll(query: string): Iterable<unknown>;
        createTreeWalker(root: unknown, filter: number): { nextNode(): TextNode | null };
        createRange(): {
          setStart(node: TextNode, offset: number): void;
          setEnd(node: TextNode, offset: number): void;
          getBoundingClientRect(): Rect;
        };
      };
    };
    const SHOW_TEXT = 4;
    const found: Array<Rect & { character: string }> = [];
    for (const element of browser.document.querySelectorAll(query)) {
      const walker = browser.document.createTreeWalker(element, SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.textContent ?? '';
        let offset = 0;
        for (const character of text) {
          const range = browser.document.createRange();
          range.setStart(node, offset);
          range.setEnd(node, offset + character.length);
          const { x, y, width, height } = range.getBoundingClientRect();
          found.push({ character, x, y, width, height });
          offset += character.length;
        }
      }
    }
    return found;
  }, selector);
}

/** How much darker than white the box is, summed over its pixels (a pixel of full black counts 1). */
export function inkIn(pixels: Pixels, box: CharacterBox): number {
  let ink = 0;
  for (let y = Math.floor(box.y); y < Math.ceil(box.y + box.height); y += 1) {
    for (let x = Math.floor(box.x); x < Math.ceil(box.x + box.width); x += 1) {
      const [r, g, b] = pixels.at(x, y);
      ink += 1 - (0.299 * r + 0.587 * g + 0.114 * b) / 255;
    }
  }
  return ink;
}

/** Spread of ink among distinct characters, 0 (all alike: tofu) to 1; also the least ink (0: nothing drawn). */
export function glyphVariety(pixels: Pixels, boxes: CharacterBox[]): { variety: number; leastInk: number } {
  const inks = boxes.map((box) => inkIn(pixels, box));
  const most = Math.max(...inks);
  const least = Math.min(...inks);
  return { variety: most === 0 ? 0 : (most - least) / most, leastInk: least };
}
