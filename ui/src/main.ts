/**
 * The control page: sign-in, then a shell with a short nav, a visible
 * connection state and one page at a time. The fragment token is taken first.
 */
import { clearSecret, loadSecret, saveSecret, takeFragmentToken } from "./credentials";
import { h, replace } from "./dom";
import { GatewayClient, type ConnState, type Secret } from "./socket";
import { capsOf, type Caps, type View, type ViewFactory } from "./view";
import { signInView } from "./views/signin";
import { chatView } from "./views/chat";
import { approvalsView } from "./views/approvals";
import { devicesView } from "./views/devices";
import { auditView } from "./views/audit";
import { statusView } from "./views/status";

takeFragmentToken();
// A link pasted into a tab that already shows the page changes only the fragment (no reload): take it too,
// so the token never stays in the address bar, and sign in with it.
window.addEventListener("hashchange", () => {
  const secret = takeFragmentToken();
  if (secret) start(secret);
});

interface Page {
  id: string;
  title: string;
  view: ViewFactory;
  allowed(c: Caps): boolean;
}
const PAGES: Page[] = [
  { id: "chat", title: "Chat", view: chatView, allowed: () => true },
  { id: "approvals", title: "Approvals", view: approvalsView, allowed: () => true },
  { id: "devices", title: "Devices", view: devicesView, allowed: (c) => c.admin },
  { id: "audit", title: "Audit", view: auditView, allowed: (c) => c.admin },
  { id: "status", title: "Status", view: statusView, allowed: () => true },
];

const STATE_TEXT: Record<ConnState, string> = {
  connecting: "Connecting…",
  open: "Connected",
  reconnecting: "Reconnecting…",
  "signed-out": "Signed out",
};

const root = document.getElementById("app") as HTMLElement;
let client: GatewayClient | undefined;

function showSignIn(message?: string): void {
  const old = client;
  client = undefined;
  old?.stop();
  replace(
    root,
    signInView(message, (secret: Secret) => {
      saveSecret(secret);
      start(secret);
    }),
  );
}

function start(secret: Secret): void {
  client?.stop();
  const c = new GatewayClient(secret);
  client = c;
  const badge = h("span", { class: "conn", role: "status", live: "polite", testid: "conn-state" }, STATE_TEXT.connecting);
  const splash = h("main", { class: "splash" }, h("p", null, "Connecting to the gateway…"), badge);
  replace(root, splash);
  let shell: ReturnType<typeof buildShell> | undefined;
  c.onState((s) => {
    badge.textContent = STATE_TEXT[s];
    badge.dataset.state = s;
    if (s === "signed-out" && c === client) {
      if (c.refusal) {
        clearSecret();
        showSignIn(`Sign-in refused: ${c.refusal}`);
      }
      return;
    }
    if (s === "open" && !shell && c.hello) {
      shell = buildShell(c, capsOf(c.hello), badge);
      replace(root, shell.el);
    }
  });
  c.start();
}

function buildShell(c: GatewayClient, caps: Caps, badge: HTMLElement): { el: HTMLElement } {
  const pages = PAGES.filter((p) => p.allowed(caps));
  const main = h("main", { id: "main", tabIndex: -1 });
  const buttons = new Map<string, HTMLButtonElement>();
  let current: View | undefined;
  const go = (id: string): void => {
    const page = pages.find((p) => p.id === id) ?? pages[0]!;
    current?.dispose();
    current = page.view(c, caps);
    replace(main, current.el);
    for (const [pid, b] of buttons) {
      if (pid === page.id) b.setAttribute("aria-current", "page");
      else b.removeAttribute("aria-current");
    }
    document.title = `${page.title} · Clawdbot Gateway`;
    if (location.hash !== `#/${page.id}`) history.replaceState(null, "", `#/${page.id}`);
  };
  const nav = h(
    "nav",
    { label: "Pages" },
    pages.map((p) => {
      const b = h("button", { type: "button", testid: `nav-${p.id}`, on: { click: () => go(p.id) } }, p.title);
      buttons.set(p.id, b);
      return b;
    }),
  );
  const signOut = h(
    "button",
    {
      type: "button",
      class: "quiet",
      on: {
        click: () => {
          current?.dispose();
          clearSecret();
          showSignIn();
        },
      },
    },
    "Sign out",
  );
  const header = h(
    "header",
    null,
    h("span", { class: "brand" }, "Clawdbot"),
    nav,
    h("span", { class: "who", testid: "principal" }, caps.principal, caps.role ? ` (${caps.role})` : ""),
    badge,
    signOut,
  );
  window.addEventListener("hashchange", () => {
    if (c === client && !location.hash.includes("token=")) go(location.hash.replace(/^#\//, ""));
  });
  go(location.hash.replace(/^#\//, "") || "chat");
  return { el: h("div", { class: "shell" }, header, main) };
}

const saved = loadSecret();
if (saved) start(saved);
else showSignIn();
