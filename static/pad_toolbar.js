/* The drawing pad's toolbar on touch screens, injected by streamlit_app.py inside a <script>
   element (this opening comment is for whoever edits the file and is left out of the page).

   The canvas' toolbar (undo, redo, edit, reset) is invisible until the pad is hovered, and while
   invisible it hangs 1rem into the pad's top right corner: touch screens never hover, so a finger
   stroke starting there lands on its hidden buttons and is not drawn. Its styles live in the
   component's shadow root, which page.css cannot reach, so this script adds a <style> (`css`
   below) to every shadow root holding a pad (once each: "Clear" mounts a new one, hence the
   observer, installed once per page although st.html runs on every rerun). Hidden, the toolbar
   takes no pointer events; on a touch screen it stays visible above the pad, where only its
   buttons take touches (the toolbar's transparent padding reaches 0.25rem into the pad). A mouse
   still sees it appear on hover, as before. */
(() => {
  if (window.digitrecPadToolbarFix) return;
  window.digitrecPadToolbarFix = true;
  const css = `
.dc-toolbar { pointer-events: none; }
.dc-root:hover > .dc-toolbar, .dc-toolbar:focus-within, .dc-toolbar[data-pinned=true] {
  pointer-events: auto;
}
@media (hover: none), (pointer: coarse) {
  .dc-toolbar { opacity: 1 !important; top: -2.65rem !important; transition: none !important;
                pointer-events: none !important; }
  .dc-toolbar-card { pointer-events: auto; }
}`;
  const watched = new WeakSet();
  let pending = false;
  const observer = new MutationObserver(() => {
    if (!pending) { pending = true; requestAnimationFrame(patch); }
  });
  function patch() {
    pending = false;
    for (const host of document.querySelectorAll("*")) {
      const root = host.shadowRoot;
      if (!root) continue;
      // A new shadow root may get its pad a moment later: watch inside it too.
      if (!watched.has(root)) {
        watched.add(root);
        observer.observe(root, {childList: true, subtree: true});
      }
      if (root.querySelector(".dc-root") && !root.getElementById("digitrec-pad-toolbar")) {
        const style = document.createElement("style");
        style.id = "digitrec-pad-toolbar";
        style.textContent = css;
        root.appendChild(style);
      }
    }
  }
  observer.observe(document.body, {childList: true, subtree: true});
  patch();
})();
