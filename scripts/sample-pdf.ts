import { writeFileSync } from 'node:fs';
import { PDFDocument, StandardFonts } from '@cantoo/pdf-lib';
import { scriptArgs } from '../tools/common/args.js';

/**
 * Writes a small sample PDF to stamp: `npm run sample-pdf -- <file> [title] [pages]`.
 * Any PDF of your own does as well.
 */
const { positionals } = scriptArgs({
  name: 'sample-pdf',
  usage:
    'npm run sample-pdf -- <file> [title] [pages]\n\nWrites a sample PDF of 1 to 50 pages (dokumen.pdf, "Surat pernyataan", 1).',
  options: {},
  positionals: true,
});
const [file = 'dokumen.pdf', title = 'Surat pernyataan', pagesArgument = '1'] = positionals;
const pages = Math.max(1, Math.min(50, Number(pagesArgument) || 1));
const document = await PDFDocument.create();
const font = await document.embedFont(StandardFonts.Helvetica);
for (let page = 1; page <= pages; page += 1) {
  const added = document.addPage([595.28, 841.89]);
  added.drawText(title, { x: 72, y: 760, size: 16, font });
  added.drawText(`Halaman ${page} dari ${pages}`, { x: 72, y: 736, size: 11, font });
  added.drawText('Yang bertanda tangan di bawah ini menyatakan dengan sebenarnya ...', {
    x: 72,
    y: 700,
    size: 11,
    font,
  });
}
writeFileSync(file, await document.save());
console.log(`wrote ${file} (${pages} page${pages > 1 ? 's' : ''})`);
