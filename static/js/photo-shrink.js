// Photos shrink on the phone before they are queued or sent: a 12 MP picture (3–5 MB) leaves as a
// JPEG of at most 1600 px (MAX_SIDE in patrol/photos/processing.py), about 400 KB (bench/README.md).
//
//   window.patrolShrinkPhoto(file, {maxSide: 1600, quality: 0.8})
//     -> Promise<{blob, width, height, type, shrunk, takenAt}>
//
// Never rejects, never loses the photo: a file this browser cannot decode (HEIC on Chrome) comes
// back as it is with shrunk: false, for the server to convert or refuse in words. takenAt (ISO 8601)
// is EXIF DateTimeOriginal (with its offset if written, else local time for the site's zone) or
// the file's lastModified in UTC: re-encoding drops EXIF, so the uploader sends it as a hint.
//
// Never a canvas at the photo's own size (iOS refuses those over 16.7 MP): decoded straight to the
// target size where createImageBitmap can resize, else drawn from an <img> onto a target-size
// canvas. No EXIF rotation of our own: browsers apply it, doing it again turns the picture twice.
// One photo at a time; bitmaps and canvases are released at once.
(function () {
  "use strict";

  var DEFAULTS = { maxSide: 1600, quality: 0.8 };
  var EXIF_HEAD_BYTES = 128 * 1024; // EXIF sits in APP1 near the start and is at most 64 KB
  var queue = Promise.resolve();

  function readBytes(blob) {
    if (blob.arrayBuffer) return blob.arrayBuffer();
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () { resolve(reader.result); };
      reader.onerror = function () { reject(reader.error); };
      reader.readAsArrayBuffer(blob);
    });
  }

  // --- the capture time, from EXIF --------------------------------------------------------------

  function asciiAt(view, offset, length) {
    var text = "";
    for (var i = 0; i < length && offset + i < view.byteLength; i++) {
      var code = view.getUint8(offset + i);
      if (code === 0) break;
      text += String.fromCharCode(code);
    }
    return text;
  }

  // The ASCII values of the wanted tags in one IFD (and the offset of the EXIF sub-IFD, tag 0x8769).
  function readIfd(view, tiff, offset, little, wanted) {
    var found = {};
    if (offset + 2 > view.byteLength) return found;
    var count = view.getUint16(offset, little);
    for (var i = 0; i < count; i++) {
      var entry = offset + 2 + i * 12;
      if (entry + 12 > view.byteLength) break;
      var tag = view.getUint16(entry, little);
      if (wanted.indexOf(tag) < 0) continue;
      var type = view.getUint16(entry + 2, little);
      var length = view.getUint32(entry + 4, little);
      if (tag === 0x8769) found[tag] = view.getUint32(entry + 8, little);
      else if (type === 2) found[tag] = asciiAt(view, length > 4 ? tiff + view.getUint32(entry + 8, little) : entry + 8, length);
    }
    return found;
  }

  // The TIFF block of a JPEG's EXIF APP1 segment: its offset in the view, or -1.
  function exifTiffOffset(view) {
    if (view.byteLength < 4 || view.getUint16(0) !== 0xffd8) return -1;
    var offset = 2;
    while (offset + 4 <= view.byteLength) {
      var marker = view.getUint16(offset);
      var size = view.getUint16(offset + 2);
      if ((marker & 0xff00) !== 0xff00 || marker === 0xffda) return -1; // the picture data starts: no EXIF
      if (marker === 0xffe1 && asciiAt(view, offset + 4, 4) === "Exif") return offset + 10;
      offset += 2 + size;
    }
    return -1;
  }

  function exifTakenAt(buffer) {
    var view = new DataView(buffer);
    var tiff = exifTiffOffset(view);
    if (tiff < 0 || tiff + 8 > view.byteLength) return null;
    var little = view.getUint16(tiff) === 0x4949;
    var first = readIfd(view, tiff, tiff + view.getUint32(tiff + 4, little), little, [0x0132, 0x8769]);
    var sub = first[0x8769] ? readIfd(view, tiff, tiff + first[0x8769], little, [0x9003, 0x9011]) : {};
    var raw = sub[0x9003] || first[0x0132];
    var parts = /^(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})/.exec(raw || "");
    if (!parts || parts[1] === "0000") return null;
    var local = parts[1] + "-" + parts[2] + "-" + parts[3] + "T" + parts[4] + ":" + parts[5] + ":" + parts[6];
    var zone = sub[0x9011];
    return /^[+-]\d{2}:\d{2}$/.test(zone || "") ? local + zone : local;
  }

  function takenAtOf(file) {
    var fromFile = file.lastModified ? new Date(file.lastModified).toISOString() : null;
    return readBytes(file.slice(0, EXIF_HEAD_BYTES))
      .then(function (buffer) { return exifTakenAt(buffer) || fromFile; })
      .catch(function () { return fromFile; });
  }

  // --- decoding and encoding ----------------------------------------------------------------------

  // The picture's size as the browser shows it (EXIF orientation applied): from an <img>, which reads
  // the header without decoding every pixel. Rejects when the browser cannot decode the format.
  function loadImage(file) {
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var image = new Image();
      image.decoding = "async";
      image.onload = function () { resolve({ image: image, url: url }); };
      image.onerror = function () {
        URL.revokeObjectURL(url);
        reject(new Error("undecodable"));
      };
      image.src = url;
    });
  }

  function fit(width, height, maxSide) {
    var scale = Math.min(1, maxSide / Math.max(width, height));
    return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
  }

  // A bitmap decoded straight at the target size, or null where the browser cannot (no resize options,
  // or it resized before turning the picture upright: the shape would be wrong).
  function resizedBitmap(file, size) {
    if (!window.createImageBitmap) return Promise.resolve(null);
    var options = { imageOrientation: "from-image", resizeWidth: size.width, resizeHeight: size.height, resizeQuality: "high" };
    return createImageBitmap(file, options).then(function (bitmap) {
      if (bitmap.width === size.width && bitmap.height === size.height) return bitmap;
      bitmap.close();
      return null;
    }, function () { return null; });
  }

  function canvasOf(size) {
    if (window.OffscreenCanvas) {
      var offscreen = new OffscreenCanvas(size.width, size.height);
      if (offscreen.convertToBlob && offscreen.getContext("2d")) return offscreen;
    }
    var canvas = document.createElement("canvas");
    canvas.width = size.width;
    canvas.height = size.height;
    return canvas;
  }

  function encode(canvas, quality) {
    if (canvas.convertToBlob) return canvas.convertToBlob({ type: "image/jpeg", quality: quality });
    return new Promise(function (resolve, reject) {
      canvas.toBlob(function (blob) { return blob ? resolve(blob) : reject(new Error("not encoded")); }, "image/jpeg", quality);
    });
  }

  // Draws the source (a bitmap already at the size, or the <img>) on a canvas of the target size and
  // encodes it; then frees the canvas (0×0) and the bitmap at once rather than at garbage collection.
  function drawAndEncode(source, size, quality) {
    var canvas = canvasOf(size);
    var context = canvas.getContext("2d");
    context.imageSmoothingEnabled = true;
    context.imageSmoothingQuality = "high";
    context.fillStyle = "#fff"; // a transparent PNG becomes a JPEG on white, not on black
    context.fillRect(0, 0, size.width, size.height);
    context.drawImage(source, 0, 0, size.width, size.height);
    return encode(canvas, quality).then(function (blob) {
      canvas.width = canvas.height = 0;
      return blob;
    }, function (error) {
      canvas.width = canvas.height = 0;
      throw error;
    });
  }

  function unchanged(file, takenAt, width, height) {
    return { blob: file, width: width || null, height: height || null, type: file.type, shrunk: false, takenAt: takenAt };
  }

  async function shrink(file, options) {
    var settings = Object.assign({}, DEFAULTS, options || {});
    var takenAt = await takenAtOf(file);
    var loaded;
    try {
      loaded = await loadImage(file);
    } catch (error) {
      return unchanged(file, takenAt); // the server converts it or says in words why not
    }
    var natural = { width: loaded.image.naturalWidth, height: loaded.image.naturalHeight };
    if (!natural.width || !natural.height) { // an image without a size (some SVGs): nothing to draw from
      URL.revokeObjectURL(loaded.url);
      return unchanged(file, takenAt);
    }
    var size = fit(natural.width, natural.height, settings.maxSide);
    var bitmap = null;
    try {
      bitmap = await resizedBitmap(file, size);
      var blob = await drawAndEncode(bitmap || loaded.image, size, settings.quality);
      var fitsAlready = size.width === natural.width && /^image\/(jpeg|png)$/.test(file.type);
      if (fitsAlready && blob.size >= file.size) return unchanged(file, takenAt, natural.width, natural.height);
      return { blob: blob, width: size.width, height: size.height, type: "image/jpeg", shrunk: true, takenAt: takenAt };
    } catch (error) {
      return unchanged(file, takenAt, natural.width, natural.height);
    } finally {
      if (bitmap) bitmap.close();
      URL.revokeObjectURL(loaded.url);
      loaded.image.removeAttribute("src");
    }
  }

  // One photo at a time: two 12 MP decodes at once can exhaust a phone's memory.
  window.patrolShrinkPhoto = function (file, options) {
    var run = queue.then(function () { return shrink(file, options); });
    queue = run.catch(function () {});
    return run.catch(function () { return unchanged(file, null); });
  };
  window.patrolShrinkPhoto.readBytes = readBytes;  // the outbox keeps a photo's bytes (outbox-picture.js)
})();
