// ical.js (Thunderbird's and many web calendars' parser) as a reader of a
// babillard feed: prints each occurrence that overlaps [FROM, TO) as
// "UID START END [cancelled] TAB TITLE", instants in UTC as babillard-ics expand prints
// them, all-day dates as dates (a date is a day wherever one is, not an instant).
// usage: node icaljs_occurrences.mjs FEED.ics FROM TO   (YYYY-MM-DD, UTC)
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const [file, from, to] = process.argv.slice(2);
const windowStart = Date.parse(`${from}T00:00:00Z`);
const windowEnd = Date.parse(`${to}T00:00:00Z`);
const root = new ICAL.Component(ICAL.parse(readFileSync(file, "utf8")));
// Without its VTIMEZONEs registered, ical.js reads TZID times as floating.
for (const zone of root.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(new ICAL.Timezone(zone));
}
const masters = new Map();
const exceptions = [];
for (const vevent of root.getAllSubcomponents("vevent")) {
  if (vevent.hasProperty("recurrence-id")) exceptions.push(vevent);
  else masters.set(vevent.getFirstPropertyValue("uid"), new ICAL.Event(vevent));
}
for (const vevent of exceptions) {
  const master = masters.get(vevent.getFirstPropertyValue("uid"));
  if (master) master.relateException(vevent);
  else console.log(`orphan ${vevent.getFirstPropertyValue("uid")}`);  // a reader sees two events
}
const text = (time) =>
  time.isDate ? time.toString() : time.toJSDate().toISOString().replace(/\.000Z$/, "Z");
const instant = (time) =>
  time.isDate ? Date.parse(`${time.toString()}T00:00:00Z`) : time.toJSDate().getTime();
const cancelled = (component) =>
  String(component.getFirstPropertyValue("status") || "").toUpperCase() === "CANCELLED";
const lines = [];
for (const [uid, event] of masters) {
  const emit = (start, end, component) => {
    if (instant(end) > windowStart && instant(start) < windowEnd)
      lines.push(`${uid} ${text(start)} ${text(end)}${cancelled(component) ? " cancelled" : ""}` +
                 `\t${component.getFirstPropertyValue("summary") || ""}`);
  };
  if (!event.isRecurring()) {
    emit(event.startDate, event.endDate, event.component);
    continue;
  }
  const it = event.iterator();
  for (let next = it.next(), n = 0; next && n < 100000; next = it.next(), ++n) {
    const details = event.getOccurrenceDetails(next);
    if (instant(next) >= windowEnd && instant(details.startDate) >= windowEnd) break;
    emit(details.startDate, details.endDate, details.item.component);
  }
}
console.log(lines.sort().join("\n"));
