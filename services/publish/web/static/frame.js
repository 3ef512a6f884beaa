// babillard's widget page, inside another site's iframe: tells that page how
// tall the list is, so that widget.js there can fit the iframe to it.
(function () {
  'use strict';
  function post() {
    if (window.parent === window) return;
    window.parent.postMessage(
      { type: 'babillard:height', height: document.documentElement.scrollHeight }, '*');
  }
  window.addEventListener('load', post);
  if ('ResizeObserver' in window) new ResizeObserver(post).observe(document.body);
})();
