/* The portal's page script (loaded with the page's nonce; no inline script).
 *
 * 1. Registers the service worker at /portal/sw.js (it stores the offline page and static
 *    files only, never a page with information in it).
 * 2. On the reminders page, turns phone notifications on and off: asks the browser's
 *    permission, subscribes with the program's public VAPID key (RFC 8292) and sends the
 *    subscription to the server; nothing is kept in the browser's storage.
 */
(function () {
  "use strict";

  if ("serviceWorker" in navigator) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/portal/sw.js", { scope: "/portal/" }).catch(function () {
        /* The portal works the same without it. */
      });
    });
  }

  function keyBytes(base64url) {
    var padded = base64url + "===".slice((base64url.length + 3) % 4);
    var raw = atob(padded.replace(/-/g, "+").replace(/_/g, "/"));
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  function say(box, text, isError) {
    var status = box.querySelector("[data-push-status]");
    if (!status) return;
    status.textContent = text;
    status.setAttribute("role", isError ? "alert" : "status");
  }

  function post(url, csrf, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) throw new Error(data.error || "That did not work. Try again.");
        return data;
      });
    });
  }

  function setUp(box) {
    var on = box.querySelector("[data-push-on]");
    var off = box.querySelector("[data-push-off]");
    var supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
    if (!supported) {
      say(box, "This browser cannot show phone notifications. E-mail reminders still work.", false);
      if (on) on.hidden = true;
      return;
    }
    function registration() {
      return navigator.serviceWorker.register("/portal/sw.js", { scope: "/portal/" }).then(function () {
        return navigator.serviceWorker.ready;
      });
    }
    registration().then(function (reg) { return reg.pushManager.getSubscription(); }).then(function (sub) {
      if (on) on.hidden = !!sub;
      if (off) off.hidden = !sub;
      if (sub) say(box, "Phone notifications are on for this browser.", false);
    }).catch(function () { /* shown when the button is used */ });

    if (on) on.addEventListener("click", function () {
      on.disabled = true;
      Notification.requestPermission().then(function (permission) {
        if (permission !== "granted") {
          throw new Error("Notifications are blocked for this site. Allow them in the browser's settings, then try again.");
        }
        return registration();
      }).then(function (reg) {
        return reg.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: keyBytes(box.getAttribute("data-vapid-key"))
        });
      }).then(function (sub) {
        return post(box.getAttribute("data-subscribe-url"), box.getAttribute("data-csrf"), sub.toJSON());
      }).then(function (data) {
        say(box, data.message || "Phone notifications are on.", false);
        on.hidden = true;
        if (off) off.hidden = false;
      }).catch(function (error) {
        say(box, error.message || "That did not work. Try again.", true);
      }).then(function () { on.disabled = false; });
    });

    if (off) off.addEventListener("click", function () {
      off.disabled = true;
      registration().then(function (reg) { return reg.pushManager.getSubscription(); }).then(function (sub) {
        if (!sub) return { message: "Phone notifications are off." };
        var endpoint = sub.endpoint;
        return sub.unsubscribe().then(function () {
          return post(box.getAttribute("data-unsubscribe-url"), box.getAttribute("data-csrf"), { endpoint: endpoint });
        });
      }).then(function (data) {
        say(box, data.message || "Phone notifications are off.", false);
        off.hidden = true;
        if (on) on.hidden = false;
      }).catch(function (error) {
        say(box, error.message || "That did not work. Try again.", true);
      }).then(function () { off.disabled = false; });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector("[data-push]");
    if (box) setUp(box);
  });
})();
