/* Draws an evidence PDF with the vendored pdf.js, page by page on canvases.
 *
 * Scripting stays off: no sandbox bundle is loaded, enableScripting is false and
 * eval is not used, so a document's JavaScript, OpenAction or Launch never runs.
 */
const container = document.getElementById("pdf-pages");

async function show() {
  const pdfjs = await import(container.dataset.pdfjsUrl);
  pdfjs.GlobalWorkerOptions.workerSrc = container.dataset.pdfjsWorkerUrl;
  const task = pdfjs.getDocument({
    url: container.dataset.pdfUrl,
    withCredentials: true,
    isEvalSupported: false,
    enableXfa: false,
    enableScripting: false,
    disableFontFace: false,
  });
  const pdf = await task.promise;
  container.replaceChildren();
  const width = Math.max(container.clientWidth - 24, 320);
  for (let number = 1; number <= pdf.numPages; number += 1) {
    const page = await pdf.getPage(number);
    const unscaled = page.getViewport({ scale: 1 });
    const scale = Math.min(width / unscaled.width, 2);
    const viewport = page.getViewport({ scale: scale * (window.devicePixelRatio || 1) });
    const canvas = document.createElement("canvas");
    canvas.width = Math.floor(viewport.width);
    canvas.height = Math.floor(viewport.height);
    canvas.setAttribute("aria-label", `${container.dataset.pageLabel} ${number}`);
    canvas.setAttribute("role", "img");
    container.append(canvas);
    await page.render({ canvas, canvasContext: canvas.getContext("2d"), viewport }).promise;
  }
  container.dataset.rendered = String(pdf.numPages);
}

show().catch(() => {
  container.replaceChildren();
  document.getElementById("pdf-error").classList.remove("d-none");
});
