/* The portal's service worker (served from /portal/sw.js, scope /portal/).
 *
 * What it stores on the phone: the offline page and the static style and script files,
 * nothing else. It never puts a portal page, an API answer or any other response of the
 * server into Cache Storage: those hold patient information, and protected health
 * information must not stay on a device the program does not control (HIPAA Security Rule,
 * 45 CFR 164.312(a)(2)(iv) encryption and decryption, and 164.312(e)(1) transmission
 * security; ONC/OCR "Guide to Privacy and Security of Electronic Health Information",
 * chapter 4: https://www.healthit.gov/sites/default/files/pdf/privacy/privacy-and-security-guide.pdf).
 * Pages are therefore always fetched from the network; without a network the offline page
 * is shown.
 *
 * Push messages carry only a generic title and text ("Reminder"); they are shown as they
 * come and a tap opens the portal, where the patient signs in as usual.
 */
"use strict";

var VERSION = "__VERSION__";
var CACHE = "portal-static-" + VERSION;
// Filled in by the server: the offline page and static files only.
var PRECACHE = ["__PRECACHE__"];
var OFFLINE_URL = "/portal/offline/";

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      // Fetched without cookies: the stored copies belong to no account.
      return cache.addAll(
        PRECACHE.map(function (url) {
          return new Request(url, { credentials: "omit" });
        })
      );
    }).then(function () {
      return self.skipWaiting();
    })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(
        names.map(function (name) {
          return name === CACHE ? null : caches.delete(name);
        })
      );
    }).then(function () {
      return self.clients.claim();
    })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return; // the browser handles it
  if (request.mode === "navigate") {
    // Network only; never stored. Without a network: the offline page.
    event.respondWith(
      fetch(request).catch(function () {
        return caches.match(OFFLINE_URL, { ignoreSearch: true });
      })
    );
    return;
  }
  var url = new URL(request.url);
  if (url.origin === self.location.origin && PRECACHE.indexOf(url.pathname) !== -1) {
    // A precached static file: from the store, else the network (not stored again).
    event.respondWith(
      caches.match(request, { ignoreSearch: true }).then(function (hit) {
        return hit || fetch(request);
      })
    );
  }
  // Anything else (pages' data, API answers): the browser fetches it, nothing is stored.
});

self.addEventListener("push", function (event) {
  var data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (e) {
    data = {};
  }
  var title = typeof data.title === "string" && data.title ? data.title : "Reminder";
  var body = typeof data.body === "string" ? data.body : "";
  event.waitUntil(
    self.registration.showNotification(title, {
      body: body,
      icon: PRECACHE.filter(function (u) { return /icon-192/.test(u); })[0] || undefined,
      data: { url: "/portal/" }
    })
  );
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var target = new URL("/portal/", self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (list) {
      for (var i = 0; i < list.length; i++) {
        if (list[i].url.indexOf(target) === 0 && "focus" in list[i]) return list[i].focus();
      }
      return self.clients.openWindow(target);
    })
  );
});
