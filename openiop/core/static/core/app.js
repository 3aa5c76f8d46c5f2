/* How every htmx request of the app answers a refusal, in one place.
 *
 * A 422 whose body is an HTML fragment (a form or a row re-rendered with its errors) is
 * swapped into the target like a success. Any other refusal or failure (403, 404, 409, 429,
 * 5xx, a whole error page, no answer at all) leaves the page as it is and shows the server's
 * reason in an alert region next to the element the user used. Nothing is stored in the
 * browser.
 */
(function () {
  "use strict";

  var FALLBACK = "That did not work. Reload the page and try again.";
  var OFFLINE = "No answer from the server. Check the connection and try again.";
  var regions = new WeakMap();

  function contentType(xhr) {
    return (xhr.getResponseHeader("Content-Type") || "").toLowerCase();
  }

  function isFragment(xhr) {
    if (contentType(xhr).indexOf("text/html") !== 0) return false;
    return !/^\s*(<!doctype|<html)/i.test(xhr.responseText || "");
  }

  function clean(text) {
    return (text || "").replace(/\s+/g, " ").trim().slice(0, 400);
  }

  function sentence(text) {
    text = clean(text);
    return text && !/[.!?:]$/.test(text) ? text + "." : text;
  }

  /* The short plain reason the server gave: a text body, a problem's detail, or the alert of
   * an HTML page (its heading and first paragraph). */
  function reasonOf(xhr) {
    var type = contentType(xhr);
    var body = xhr.responseText || "";
    if (type.indexOf("json") !== -1) {
      try {
        var data = JSON.parse(body);
        return clean(data.detail || data.title || "");
      } catch (e) {
        return "";
      }
    }
    if (type.indexOf("text/plain") === 0) return clean(body);
    if (type.indexOf("text/html") !== 0) return "";
    var doc = new DOMParser().parseFromString(body, "text/html");
    var box = doc.querySelector("main [role=alert]") || doc.querySelector("[role=alert]");
    if (!box) return isFragment(xhr) ? clean(doc.body.textContent) : "";
    var heading = box.querySelector("h1, h2");
    var paragraph = box.querySelector("p");
    if (heading && paragraph) return sentence(heading.textContent) + " " + clean(paragraph.textContent);
    return clean(box.textContent);
  }

  function clearError(elt) {
    var region = regions.get(elt);
    if (region && region.parentNode) region.parentNode.removeChild(region);
    regions.delete(elt);
  }

  /* An alert region inside the form that was used (or right after any other element). */
  function showError(elt, text) {
    if (!elt || !elt.isConnected) elt = document.querySelector("main") || document.body;
    var region = regions.get(elt);
    if (!region || !region.isConnected) {
      region = document.createElement("p");
      region.className = "errorlist request-error";
      region.setAttribute("role", "alert");
      if (elt.tagName === "FORM") {
        elt.appendChild(region);
      } else if (elt === document.body || elt.tagName === "MAIN") {
        elt.insertBefore(region, elt.firstChild);
      } else {
        elt.insertAdjacentElement("afterend", region);
      }
      regions.set(elt, region);
    }
    region.textContent = text;
  }

  /* The element the user used (htmx sends some events to the target instead). */
  function source(evt) {
    var config = evt.detail.requestConfig;
    return (config && config.elt) || evt.detail.elt;
  }

  document.addEventListener("htmx:beforeRequest", function (evt) {
    clearError(source(evt));
  });

  document.addEventListener("htmx:beforeSwap", function (evt) {
    var xhr = evt.detail.xhr;
    if (xhr.status < 400) return;
    if (xhr.status === 422 && isFragment(xhr)) {
      evt.detail.shouldSwap = true;
      evt.detail.isError = false;
      return;
    }
    evt.detail.shouldSwap = false;
    evt.detail.isError = false;
    showError(source(evt), reasonOf(xhr) || FALLBACK);
  });

  document.addEventListener("htmx:sendError", function (evt) {
    showError(source(evt), OFFLINE);
  });

  document.addEventListener("htmx:timeout", function (evt) {
    showError(source(evt), OFFLINE);
  });
})();
