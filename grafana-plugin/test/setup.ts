// jsdom lacks matchMedia, which @grafana/ui's dependencies (uPlot) call at import time; create-plugin's
// jest setup installs the same stand-in.
if (typeof window !== 'undefined' && !window.matchMedia) {
  Object.defineProperty(window, 'matchMedia', {
    writable: true,
    value: (query: string) => ({
      matches: false, media: query, onchange: null,
      addListener() {}, removeListener() {}, addEventListener() {}, removeEventListener() {}, dispatchEvent: () => false,
    }),
  });
}
