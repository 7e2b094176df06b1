//! `/account`: the user's own account — for now, changing the password.
//!
//! The browser checks the two cheap rules (repeat matches, at least
//! [`PASSWORD_MIN_CHARS`] characters) before sending; the server checks everything again
//! and its field errors appear next to the same inputs.

use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{self, ChangePasswordRequest};
use crate::components::layout::use_session;
use crate::components::ui::{
    clear_input, field_error, input_value, invalid, use_hydrated, Alert, FieldMessage, Submission,
};

use crate::api::types::PASSWORD_MIN_CHARS;

/// Problems the browser can see without asking the server.
pub fn check_new_password(new: &str, repeat: &str) -> Vec<api::FieldError> {
    let mut errors = Vec::new();
    if let Some(problem) = crate::api::types::password_problem(new) {
        errors.push(field_error(
            "new_password",
            &format!("The password {problem}."),
        ));
    }
    if new != repeat {
        errors.push(field_error(
            "repeat_password",
            "The two new passwords differ.",
        ));
    }
    errors
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let me = use_session();
    view! {
        <Title text="Account"/>
        <section class="page-head">
            <h1>"Account"</h1>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    me.await.ok().map(|user| view! {
                        <p class="muted">"Signed in as " <span class="user-email">{user.email}</span></p>
                    })
                })}
            </Transition>
        </section>
        <ChangePasswordForm/>
    }
}

#[component]
fn ChangePasswordForm() -> impl IntoView {
    let hydrated = use_hydrated();
    let submission = Submission::<()>::new();
    let current = NodeRef::<html::Input>::new();
    let new = NodeRef::<html::Input>::new();
    let repeat = NodeRef::<html::Input>::new();

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let new_password = input_value(new);
        let errors = check_new_password(&new_password, &input_value(repeat));
        if !errors.is_empty() {
            submission.reject(errors);
            return;
        }
        let req = ChangePasswordRequest {
            current_password: input_value(current),
            new_password,
            revoke_tokens: false,
        };
        submission.run(api::change_password(&req));
    };

    // Empty the fields once the change went through, so the old values do not linger.
    Effect::new(move |_| {
        if matches!(submission.result.get(), Some(Ok(()))) {
            for node in [current, new, repeat] {
                clear_input(node);
            }
        }
    });

    let succeeded = move || matches!(submission.result.get(), Some(Ok(())));
    let general =
        submission.general_error(&["current_password", "new_password", "repeat_password"]);

    view! {
        <section class="panel">
            <h2>"Change password"</h2>
            {move || succeeded().then(|| view! { <Alert kind="success">"Your password has been changed."</Alert> })}
            {move || general.get().map(|msg| view! { <Alert kind="error">{msg}</Alert> })}
            <form on:submit=on_submit class="stack narrow" novalidate>
                <div class="field">
                    <label for="current-password">"Current password"</label>
                    <input node_ref=current id="current-password" type="password" name="current_password"
                        autocomplete="current-password" required
                        aria-invalid=invalid(submission.field("current_password")) aria-describedby="current-password-error"/>
                    <FieldMessage id="current-password-error" error=submission.field("current_password")/>
                </div>
                <div class="field">
                    <label for="new-password">"New password"</label>
                    <input node_ref=new id="new-password" type="password" name="new_password"
                        autocomplete="new-password" required minlength=PASSWORD_MIN_CHARS
                        aria-invalid=invalid(submission.field("new_password")) aria-describedby="new-password-error new-password-hint"/>
                    <small class="hint" id="new-password-hint">
                        {format!("At least {PASSWORD_MIN_CHARS} characters.")}
                    </small>
                    <FieldMessage id="new-password-error" error=submission.field("new_password")/>
                </div>
                <div class="field">
                    <label for="repeat-password">"Repeat new password"</label>
                    <input node_ref=repeat id="repeat-password" type="password" name="repeat_password"
                        autocomplete="new-password" required
                        aria-invalid=invalid(submission.field("repeat_password")) aria-describedby="repeat-password-error"/>
                    <FieldMessage id="repeat-password-error" error=submission.field("repeat_password")/>
                </div>
                <div>
                    <button type="submit" class="btn btn-primary"
                        disabled=move || !hydrated.get() || submission.pending.get()>
                        {move || if submission.pending.get() { "Saving…" } else { "Change password" }}
                    </button>
                </div>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_password_rules() {
        assert!(check_new_password("correct horse battery", "correct horse battery").is_empty());
        let short = check_new_password("short", "short");
        assert_eq!(short.len(), 1);
        assert_eq!(short[0].field, "new_password");
        let differ = check_new_password("long enough password", "long enough passw0rd");
        assert_eq!(differ.len(), 1);
        assert_eq!(differ[0].field, "repeat_password");
        // Twelve characters, counted as characters, not bytes.
        assert!(check_new_password("ääääääääääää", "ääääääääääää").is_empty());
    }
}
