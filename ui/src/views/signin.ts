/** The sign-in form: a gateway/user token or a password; kept in sessionStorage only. */
import { h } from "../dom";
import type { Secret } from "../socket";

export function signInView(message: string | undefined, submit: (s: Secret) => void): HTMLElement {
  const secret = h("input", { id: "secret", type: "password", name: "secret", autocomplete: "current-password", required: true });
  const token = h("input", { id: "kind-token", type: "radio", name: "kind", value: "token", checked: true });
  const password = h("input", { id: "kind-password", type: "radio", name: "kind", value: "password" });
  const form = h(
    "form",
    {
      class: "card signin",
      label: "Sign in",
      on: {
        submit: (e) => {
          e.preventDefault();
          if (secret.value === "") return;
          submit({ kind: password.checked ? "password" : "token", value: secret.value });
        },
      },
    },
    h("h1", null, "Clawdbot Gateway"),
    h("p", { class: "muted" }, "Sign in with the gateway token, your own token, or a password."),
    message ? h("p", { class: "error", role: "alert", testid: "signin-error" }, message) : null,
    h("fieldset", null, h("legend", null, "Credential"), h("label", { for: "kind-token" }, token, " Token"), h("label", { for: "kind-password" }, password, " Password")),
    h("label", { for: "secret" }, "Secret"),
    secret,
    h("button", { type: "submit", class: "primary" }, "Sign in"),
    h("p", { class: "muted small" }, "Kept in this tab only (sessionStorage); closing the tab signs you out."),
  );
  // The field the person needs next (after a refusal too) has the focus.
  setTimeout(() => secret.focus(), 0);
  return h("main", { class: "splash" }, form);
}
