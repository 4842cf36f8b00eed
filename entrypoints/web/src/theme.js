// Light and dark themes: the system's choice (prefers-color-scheme) unless this browser's
// person picked one with the toggle; the pick is remembered in localStorage (the theme only:
// nothing else of the page is ever stored there).

const KEY = "securechat-theme";
const dark = window.matchMedia("(prefers-color-scheme: dark)");

function picked() {
  try {
    const value = localStorage.getItem(KEY);
    return value === "light" || value === "dark" ? value : null;
  } catch {
    return null; // storage refused: the system's choice
  }
}

function current() {
  return picked() || (dark.matches ? "dark" : "light");
}

function show() {
  const theme = current();
  const mine = picked();
  if (mine) document.documentElement.dataset.theme = mine;
  else delete document.documentElement.dataset.theme;
  const button = document.getElementById("theme-button");
  if (button) {
    button.textContent = theme === "dark" ? "Light theme" : "Dark theme";
    button.setAttribute("aria-label", `Switch to the ${theme === "dark" ? "light" : "dark"} theme`);
  }
}

export function startTheme() {
  show();
  dark.addEventListener("change", show);
  document.getElementById("theme-button").addEventListener("click", () => {
    const next = current() === "dark" ? "light" : "dark";
    try {
      localStorage.setItem(KEY, next);
    } catch {
      // not remembered; still switched for this page
    }
    document.documentElement.dataset.theme = next;
    show();
  });
}
