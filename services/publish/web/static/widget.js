// babillard's script for other sites (the tourism office's, a municipality's).
// 1. Fits babillard iframes (the /widget page) to their content: the page in
//    the frame posts its height (frame.js); only a frame of the sender's
//    origin is resized.
// 2. Defines <babillard-events src="https://…/feeds/all.json?…" limit="5">:
//    the next events of a JSON feed, read with CORS, as a list of links to
//    their pages. What the element holds (a plain link to the calendar) is
//    what shows without JavaScript, and until the feed arrives. Text from the
//    feed is set as text, never as HTML.
(function () {
  'use strict';
  var MAX_HEIGHT = 5000;
  window.addEventListener('message', function (e) {
    if (!e.data || e.data.type !== 'babillard:height') return;
    var frames = document.getElementsByTagName('iframe');
    for (var i = 0; i < frames.length; i++) {
      var f = frames[i];
      var origin;
      try { origin = new URL(f.src, location.href).origin; } catch (err) { continue; }
      if (f.contentWindow === e.source && origin === e.origin) {
        var h = Math.max(0, Math.min(MAX_HEIGHT, Number(e.data.height) || 0));
        f.style.height = h + 'px';
      }
    }
  });

  if (!window.customElements || window.customElements.get('babillard-events')) return;

  var WORDS = {
    fr: { cancelled: 'Annulé', none: 'Aucune activité à venir.', all: 'Tout le calendrier' },
    en: { cancelled: 'Cancelled', none: 'No upcoming event.', all: 'The whole calendar' },
  };
  var STYLE =
    ':host{display:block;font:inherit}ul{list-style:none;margin:0;padding:0}' +
    'li{padding:.35em 0;border-top:1px solid rgba(128,128,128,.4)}' +
    '.when{display:block;font-size:.875em;opacity:.85}.cancelled a{text-decoration:line-through}' +
    '.status{font-weight:700;margin-left:.4em}';

  class BabillardEvents extends HTMLElement {
    connectedCallback() {
      if (this.shadowRoot) return;
      var src = this.getAttribute('src');
      if (!src) return;
      var url;
      try { url = new URL(src, location.href); } catch (err) { return; }
      var lang = (this.getAttribute('lang') || url.searchParams.get('lang') || 'fr') === 'en' ? 'en' : 'fr';
      var limit = Math.max(1, Math.min(50, parseInt(this.getAttribute('limit') || '10', 10) || 10));
      var site = this.getAttribute('site') || url.origin;
      var self = this;
      fetch(url.href, { mode: 'cors', credentials: 'omit' })
        .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
        .then(function (feed) { self.render(feed, lang, limit, site); })
        .catch(function () { /* the fallback link stays */ });
    }

    render(feed, lang, limit, site) {
      var words = WORDS[lang];
      var now = Date.now();
      var items = [];
      (feed.events || []).forEach(function (e) {
        (e.occurrences || []).forEach(function (o) {
          var end = Date.parse(o.endDate || o.startDate);
          if (!(end >= now)) return;
          items.push({ e: e, o: o, start: Date.parse(o.startDate) });
        });
      });
      items.sort(function (a, b) { return a.start - b.start; });
      items = items.slice(0, limit);
      var format = new Intl.DateTimeFormat(lang === 'en' ? 'en-CA' : 'fr-CA', {
        weekday: 'long', day: 'numeric', month: 'long', hour: 'numeric', minute: '2-digit',
      });
      var root = this.attachShadow({ mode: 'open' });
      var style = document.createElement('style');
      style.textContent = STYLE;
      root.appendChild(style);
      var list = document.createElement('ul');
      list.setAttribute('part', 'list');
      items.forEach(function (item) {
        var li = document.createElement('li');
        var cancelled = /Cancelled$/.test(item.o.eventStatus || item.e.eventStatus || '');
        if (cancelled) li.className = 'cancelled';
        var when = document.createElement('span');
        when.className = 'when';
        when.textContent = item.e.allDay ? (item.o.startDate || '') : format.format(new Date(item.start));
        var a = document.createElement('a');
        var path = lang === 'en' ? '/en/event/' : '/evenement/';
        a.href = site + path + encodeURIComponent(item.e.identifier || '') +
          '?date=' + String(item.o.startDate || '').slice(0, 10);
        a.textContent = item.e.name || '';
        a.target = '_blank';
        a.rel = 'noopener';
        li.appendChild(when);
        li.appendChild(a);
        if (cancelled) {
          var s = document.createElement('span');
          s.className = 'status';
          s.textContent = words.cancelled;
          li.appendChild(s);
        }
        list.appendChild(li);
      });
      if (items.length === 0) {
        var p = document.createElement('p');
        p.textContent = words.none;
        root.appendChild(p);
      } else {
        root.appendChild(list);
      }
      // The element's own content (its link to the calendar) comes after the list.
      root.appendChild(document.createElement('slot'));
    }
  }
  window.customElements.define('babillard-events', BabillardEvents);
})();
