/**
 * The pages' language, one script for all of them: Bahasa Indonesia unless `?lang=en` (or the device's last
 * choice) says English; every `data-t` element gets its text; the `#language` link switches and remembers.
 * Defines TEXTS, LANG, T, LOCALE and fill() for the page's own script.
 */
export const languageScript = (texts: object): string => `
const TEXTS = ${JSON.stringify(texts).replace(/</g, '\\u003c')};
const asked = new URLSearchParams(location.search).get('lang');
const LANG = asked === 'en' || asked === 'id' ? asked : (localStorage.getItem('kuota.lang') === 'en' ? 'en' : 'id');
const T = TEXTS[LANG];
const LOCALE = LANG === 'id' ? 'id-ID' : 'en-GB';
const fill = (text, values) => text.replace(/\\{(\\w+)\\}/g, (_, key) => String(values[key] ?? ''));
document.documentElement.lang = LANG;
for (const element of document.querySelectorAll('[data-t]')) element.textContent = T[element.dataset.t];
const languageLink = document.getElementById('language');
languageLink.textContent = T.language;
languageLink.addEventListener('click', (event) => {
  event.preventDefault();
  const next = LANG === 'id' ? 'en' : 'id';
  localStorage.setItem('kuota.lang', next);
  const url = new URL(location.href);
  url.searchParams.set('lang', next);
  location.replace(url.href);
});
`;
