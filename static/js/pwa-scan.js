// The Scan button (templates/pwa/_scanner.html): where the browser reads QR codes itself
// (BarcodeDetector with qr_code), a full-screen camera that opens the checkpoint a sticker names; elsewhere
// (iOS, WeChat, most desktops) a short word on using the phone camera or WeChat's Scan, which open the
// sticker's address themselves.
(function () {
  "use strict";

  var SCAN_EVERY_MS = 200;
  var root = document.documentElement;

  var scanning = null; // { stream, detector, timer, track, opener }

  function canReadQr() {
    if (!("BarcodeDetector" in window) || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return Promise.resolve(false);
    }
    // Some in-app browsers have the API but read no formats at all.
    return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      return formats.indexOf("qr_code") >= 0;
    }, function () { return false; });
  }

  // The checkpoint page a scanned text names, on this app; null for anything else.
  function patrolPath(text, stickerHost) {
    var url;
    try { url = new URL(String(text).trim(), window.location.href); } catch (error) { return null; }
    if (url.protocol !== "https:" && url.protocol !== "http:") return null;
    if (url.host !== window.location.host && url.host !== stickerHost) return null;
    var match = /^\/c\/([A-Za-z0-9_-]{8,64})\/?$/.exec(url.pathname);
    return match ? "/c/" + match[1] : null;
  }

  function showHelp(refused, opener) {
    var help = document.querySelector("[data-scan-help]");
    if (!help) return;
    help.querySelector("[data-scan-help-unsupported]").hidden = refused;
    help.querySelector("[data-scan-help-refused]").hidden = !refused;
    help.hidden = false;
    help.opener = opener;
    help.querySelector("[data-scan-help-close]").focus();
  }

  function closeHelp() {
    var help = document.querySelector("[data-scan-help]");
    if (!help || help.hidden) return;
    help.hidden = true;
    if (help.opener) help.opener.focus();
  }

  function setStatus(scanner, text, warning) {
    var status = scanner.querySelector("[data-scanner-status]");
    status.textContent = text;
    status.classList.toggle("is-warning", Boolean(warning));
  }

  function openScanner(opener) {
    var scanner = document.querySelector("[data-scanner]");
    if (!scanner || scanning) return;
    var status = scanner.querySelector("[data-scanner-status]");
    if (!scanner.dataset.firstStatus) scanner.dataset.firstStatus = status.textContent;
    setStatus(scanner, scanner.dataset.firstStatus);
    scanning = { opener: opener, shown: "" };
    scanner.hidden = false;
    root.classList.add("scanning");
    scanner.querySelector("[data-scanner-close]").focus();
    navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false })
      .then(function (stream) {
        if (!scanning) { stream.getTracks().forEach(function (track) { track.stop(); }); return; }
        scanning.stream = stream;
        scanning.track = stream.getVideoTracks()[0];
        scanning.detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        var video = scanner.querySelector("[data-scanner-video]");
        video.srcObject = stream;
        offerTorch(scanner);
        return video.play().then(function () { look(scanner, video); });
      })
      .catch(function () {
        closeScanner(false);
        showHelp(true, opener);
      });
  }

  // Dark stairwells: the phone's light, where the camera has one.
  function offerTorch(scanner) {
    var button = scanner.querySelector("[data-scanner-torch]");
    var track = scanning.track;
    var can = track && track.getCapabilities ? track.getCapabilities() : {};
    button.hidden = !can.torch;
    button.setAttribute("aria-pressed", "false");
  }

  function toggleTorch(button) {
    if (!scanning || !scanning.track) return;
    var on = button.getAttribute("aria-pressed") !== "true";
    scanning.track.applyConstraints({ advanced: [{ torch: on }] }).then(function () {
      button.setAttribute("aria-pressed", String(on));
    }, function () { button.hidden = true; });
  }

  function look(scanner, video) {
    if (!scanning) return;
    var next = function () {
      if (scanning) scanning.timer = setTimeout(function () { look(scanner, video); }, SCAN_EVERY_MS);
    };
    if (video.readyState < 2) { next(); return; }
    scanning.detector.detect(video).then(function (codes) {
      if (!scanning) return;
      for (var i = 0; i < codes.length; i += 1) {
        var path = patrolPath(codes[i].rawValue, scanner.dataset.stickerHost);
        if (path) {
          setStatus(scanner, scanner.dataset.opening);
          closeScanner(false, true);
          window.location.assign(path);
          return;
        }
      }
      if (codes.length && scanning.shown !== codes[0].rawValue) {
        scanning.shown = codes[0].rawValue;
        setStatus(scanner, scanner.dataset.notPatrol, true);
      }
      next();
    }, next);
  }

  function closeScanner(refocus, keepShown) {
    var scanner = document.querySelector("[data-scanner]");
    if (!scanning || !scanner) return;
    clearTimeout(scanning.timer);
    if (scanning.stream) scanning.stream.getTracks().forEach(function (track) { track.stop(); });
    var video = scanner.querySelector("[data-scanner-video]");
    video.srcObject = null;
    var opener = scanning.opener;
    scanning = null;
    if (keepShown) return; // the page is leaving for the checkpoint: the overlay stays until it has
    hideScanner(scanner);
    if (refocus && opener) opener.focus();
  }

  function hideScanner(scanner) {
    scanner.hidden = true;
    root.classList.remove("scanning");
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    var opener = target.closest("[data-scan-open]");
    if (opener) {
      canReadQr().then(function (can) { if (can) openScanner(opener); else showHelp(false, opener); });
    } else if (target.closest("[data-scanner-close]")) {
      closeScanner(true);
    } else if (target.closest("[data-scanner-torch]")) {
      toggleTorch(target.closest("[data-scanner-torch]"));
    } else if (target.closest("[data-scan-help-close]")) {
      closeHelp();
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    closeScanner(true);
    closeHelp();
  });

  // The camera stops with the page: a phone put away, a boosted navigation, the back button.
  document.addEventListener("visibilitychange", function () { if (document.hidden) closeScanner(false); });
  window.addEventListener("pagehide", function () { closeScanner(false); });
  // Back from the checkpoint (the page kept in memory): the overlay it left for is closed again.
  window.addEventListener("pageshow", function (event) {
    var scanner = document.querySelector("[data-scanner]");
    if (event.persisted && scanner && !scanning) hideScanner(scanner);
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail && event.detail.boosted) closeScanner(false); // not for the bell's count every minute
  });

})();
