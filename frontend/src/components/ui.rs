//! Small building blocks shared by the pages: form submissions with their errors, alerts,
//! loading and error panels, and the few formatting rules (dates) every page must agree on.

use std::future::Future;

use leptos::html;
use leptos::prelude::*;
use leptos_router::components::{Redirect, A};
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;
use time::{OffsetDateTime, UtcOffset};

use crate::api::{ApiError, ApiResult, FieldError, Problem};

/// True once the browser has hydrated the page (never during SSR).
///
/// Forms that only work through the API client (everything but login and logout, which post
/// natively) keep their submit buttons disabled until then: a click on a button of a page that
/// is still plain HTML would otherwise submit the form as a GET to the page itself.
#[derive(Clone, Copy)]
pub struct Hydrated(pub ReadSignal<bool>);

/// Reads the [`Hydrated`] flag; `false` when no `App` provided it (e.g. in a unit test).
pub fn use_hydrated() -> Signal<bool> {
    match use_context::<Hydrated>() {
        Some(Hydrated(flag)) => flag.into(),
        None => Signal::derive(|| false),
    }
}

/// One form's submission: whether it is in flight, its last result, and a counter that
/// resources can depend on to reload after each completed submission.
pub struct Submission<T: Send + Sync + 'static> {
    pub pending: RwSignal<bool>,
    pub result: RwSignal<Option<ApiResult<T>>>,
    pub version: RwSignal<u64>,
}

// Manual impls: the signals are Copy whatever `T` is; a derive would demand `T: Copy`.
impl<T: Send + Sync + 'static> Clone for Submission<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: Send + Sync + 'static> Copy for Submission<T> {}

impl<T: Send + Sync + 'static> Default for Submission<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Send + Sync + 'static> Submission<T> {
    pub fn new() -> Self {
        Self {
            pending: RwSignal::new(false),
            result: RwSignal::new(None),
            version: RwSignal::new(0),
        }
    }

    /// Runs one API call. Only ever called from event handlers, i.e. in the browser.
    pub fn run(self, call: impl Future<Output = ApiResult<T>> + 'static) {
        self.pending.set(true);
        self.result.set(None);
        leptos::task::spawn_local(async move {
            let result = call.await;
            self.result.set(Some(result));
            self.pending.set(false);
            self.version.update(|v| *v += 1);
        });
    }

    /// Runs one API call, and `then` after it succeeded (e.g. leaving the page of an object
    /// the call deleted; see `use_replace_to`).
    pub fn run_then(
        self,
        call: impl Future<Output = ApiResult<T>> + 'static,
        then: impl FnOnce() + 'static,
    ) {
        self.run(async move {
            let result = call.await;
            if result.is_ok() {
                then();
            }
            result
        });
    }

    /// Records a failure found before sending (the same shape as a server 422, so the
    /// form shows both kinds of error in the same places).
    pub fn reject(self, errors: Vec<FieldError>) {
        self.result.set(Some(Err(ApiError {
            status: 422,
            problem: Problem {
                type_: "about:blank".into(),
                code: "validation".into(),
                title: "Please correct the marked fields.".into(),
                status: 422,
                detail: None,
                errors,
            },
        })));
    }

    /// The error for one field, reactive.
    pub fn field(self, name: &'static str) -> Signal<Option<String>> {
        Signal::derive(move || {
            self.result
                .with(|r| r.as_ref().and_then(|r| r.as_ref().err()?.field(name)))
        })
    }

    /// The error for the top of the form: shown unless every problem is already shown next
    /// to one of the form's own `fields`.
    pub fn general_error(self, fields: &'static [&'static str]) -> Signal<Option<String>> {
        Signal::derive(move || {
            self.result.with(|r| {
                error_of(r).and_then(|e| unplaced_message(e, |field| fields.contains(&field)))
            })
        })
    }
}

/// Going to `path` in place of the current page in the history (for a page whose object is
/// gone: Back must not return to it). Call it in the component; the closure runs anywhere.
pub fn use_replace_to(path: &'static str) -> impl Fn() + Clone + 'static {
    let navigate = use_navigate();
    move || {
        navigate(
            path,
            NavigateOptions {
                replace: true,
                ..Default::default()
            },
        )
    }
}

/// The API's refusal of a submission (none if it succeeded or has not run).
pub fn error_of<T>(result: &Option<ApiResult<T>>) -> Option<&ApiError> {
    result.as_ref()?.as_ref().err()
}

/// The message for the top of a form after the API refused it: the problem's own message and
/// every field error that is not shown next to its field (`placed` says which are); `None`
/// when each one is. Errors of the field `zone` (rules of the zone as a whole) read without
/// their field's name.
pub fn unplaced_message(error: &ApiError, placed: impl Fn(&str) -> bool) -> Option<String> {
    let unplaced: Vec<&FieldError> = error
        .problem
        .errors
        .iter()
        .filter(|e| !placed(&e.field))
        .collect();
    if !error.problem.errors.is_empty() && unplaced.is_empty() {
        return None;
    }
    let mut msg = error.message();
    for e in unplaced {
        if e.field == "zone" {
            msg.push_str(&format!(" {}", e.message));
        } else {
            msg.push_str(&format!(" {}: {}", e.field, e.message));
        }
    }
    Some(msg)
}

/// One error below a field or a row, announced to screen readers; nothing when `None`.
pub fn error_line(message: Option<String>) -> impl IntoView {
    message.map(|m| view! { <p class="field-error" role="alert">{m}</p> })
}

/// `list[3]` or `list/3` → 3: the item of a list that a field error names.
pub fn list_index(field: &str, list: &str) -> Option<usize> {
    let rest = field.strip_prefix(list)?;
    let index = rest
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .or_else(|| rest.strip_prefix('/'))?;
    index.parse().ok()
}

/// The messages about a list typed one item per line (records, name servers): the errors of
/// the list as a whole, then each item's as "line N: …", where `lines[i]` is the line item `i`
/// came from (blank lines are skipped before sending).
pub fn line_messages(errors: &[FieldError], list: &str, lines: &[usize]) -> Vec<String> {
    errors
        .iter()
        .filter_map(|e| {
            if e.field == list {
                Some(e.message.clone())
            } else {
                let i = list_index(&e.field, list)?;
                let line = lines.get(i).copied().unwrap_or(i + 1);
                Some(format!("line {line}: {}", e.message))
            }
        })
        .collect()
}

/// A field-level validation error found in the browser.
pub fn field_error(field: &str, message: &str) -> FieldError {
    FieldError {
        field: field.into(),
        message: message.into(),
    }
}

/// The current text of an input, or empty if it is not mounted.
pub fn input_value(node: NodeRef<html::Input>) -> String {
    node.get_untracked()
        .map(|el| el.value())
        .unwrap_or_default()
}

/// Whether a checkbox is ticked.
pub fn input_checked(node: NodeRef<html::Input>) -> bool {
    node.get_untracked().map(|el| el.checked()).unwrap_or(false)
}

/// Empties an input after a successful submission.
pub fn clear_input(node: NodeRef<html::Input>) {
    if let Some(el) = node.get_untracked() {
        el.set_value("");
    }
}

/// `aria-invalid` for an input whose field has an error (absent otherwise).
pub fn invalid(
    error: Signal<Option<String>>,
) -> impl Fn() -> Option<&'static str> + Send + Sync + Copy {
    move || error.with(|e| e.is_some().then_some("true"))
}

/// The message under a form field, with the id its input points to via `aria-describedby`.
#[component]
pub fn FieldMessage(
    id: &'static str,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <p class="field-error" id=id role="alert">
            {move || error.get()}
        </p>
    }
}

/// A message box above a form or a table: `kind` is `error`, `success` or `info`.
#[component]
pub fn Alert(kind: &'static str, children: Children) -> impl IntoView {
    let role = if kind == "error" { "alert" } else { "status" };
    view! {
        <div class=format!("alert alert-{kind}") role=role>
            {children()}
        </div>
    }
}

/// Shown while a resource loads.
/// A destructive action that asks first: a quiet button (`label`), and after its click the
/// question with "Yes, …" (`yes`, which runs `on_confirm`) and "Cancel". The button is
/// disabled until the page is hydrated, and "Yes" while the action runs (`pending`). Other
/// actions of the same row (`before`, e.g. "Edit") stand before the button and give way to
/// the question while it is asked.
#[component]
pub fn ConfirmButton(
    label: &'static str,
    #[prop(into)] question: String,
    yes: &'static str,
    #[prop(into)] pending: Signal<bool>,
    on_confirm: Callback<()>,
    /// Also runs on "Cancel" (e.g. to clear a shown error).
    #[prop(optional)]
    on_cancel: Option<Callback<()>>,
    /// Closes the question when "Yes" is clicked (when the row goes away anyway, or the
    /// outcome is shown elsewhere).
    #[prop(optional)]
    close_on_yes: bool,
    #[prop(optional, into)] before: Option<ViewFn>,
) -> impl IntoView {
    let hydrated = use_hydrated();
    let confirming = RwSignal::new(false);
    view! {
        <Show
            when=move || confirming.get()
            fallback=move || view! {
                {before.as_ref().map(ViewFn::run)}
                <button type="button" class="btn btn-danger-quiet"
                    disabled=move || !hydrated.get()
                    on:click=move |_| confirming.set(true)>
                    {label}
                </button>
            }
        >
            <span class="confirm">
                {question.clone()}
                <button type="button" class="btn btn-danger"
                    disabled=move || pending.get()
                    on:click=move |_| {
                        if close_on_yes {
                            confirming.set(false);
                        }
                        on_confirm.run(());
                    }>
                    {yes}
                </button>
                <button type="button" class="btn btn-quiet"
                    on:click=move |_| {
                        confirming.set(false);
                        if let Some(cancel) = on_cancel {
                            cancel.run(());
                        }
                    }>
                    "Cancel"
                </button>
            </span>
        </Show>
    }
}

/// A weighty action that explains itself first: a button (`label`, styled `class`), and after
/// its click an alert (`kind`: `warning` or `info`) with the question (`title`), what it means
/// (`children`), "Yes, …" (`yes`, `yes_pending` while `pending`) and "Cancel". `open` is the
/// caller's, so that it can close the question when the action succeeds.
#[component]
pub fn ConfirmPanel(
    label: &'static str,
    class: &'static str,
    kind: &'static str,
    #[prop(into)] title: String,
    yes: &'static str,
    yes_pending: &'static str,
    #[prop(into)] pending: Signal<bool>,
    open: RwSignal<bool>,
    on_confirm: Callback<()>,
    children: ChildrenFn,
) -> impl IntoView {
    let hydrated = use_hydrated();
    let yes_class = if class.contains("danger") {
        "btn btn-danger"
    } else {
        "btn btn-primary"
    };
    let role = if kind == "warning" { "alert" } else { "status" };
    let title = StoredValue::new(title);
    let children = StoredValue::new(children);
    view! {
        <Show
            when=move || open.get()
            fallback=move || view! {
                <button type="button" class=format!("btn {class}")
                    disabled=move || !hydrated.get()
                    on:click=move |_| open.set(true)>
                    {label}
                </button>
            }
        >
            <div class=format!("alert alert-{kind}") role=role>
                <p><strong>{title.get_value()}</strong></p>
                <p>{children.with_value(|c| c())}</p>
                <div class="form-actions">
                    <button type="button" class=yes_class
                        disabled=move || pending.get()
                        on:click=move |_| on_confirm.run(())>
                        {move || if pending.get() { yes_pending } else { yes }}
                    </button>
                    <button type="button" class="btn btn-quiet" on:click=move |_| open.set(false)>
                        "Cancel"
                    </button>
                </div>
            </div>
        </Show>
    }
}

#[component]
pub fn Loading() -> impl IntoView {
    view! { <p class="muted loading">"Loading…"</p> }
}

/// Shown when loading a section failed; 403 gets its own wording, and 401 (the session
/// ended while the page was open) goes back to the login.
#[component]
pub fn ErrorPanel(error: ApiError) -> impl IntoView {
    if error.is_unauthorized() {
        view! { <Redirect path="/login"/> }.into_any()
    } else if error.is_forbidden() {
        view! { <Forbidden/> }.into_any()
    } else {
        view! {
            <Alert kind="error">
                <strong>"Could not load this section. "</strong>
                {error.message()}
            </Alert>
        }
        .into_any()
    }
}

/// The page a customer sees on an admin-only section. Sets status 403 when server-rendered.
#[component]
pub fn Forbidden() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::FORBIDDEN);
    }
    view! {
        <section class="panel forbidden">
            <h2>"Forbidden"</h2>
            <p>"This section is for administrators. Ask an administrator of this Zonekeeper if you need access."</p>
        </section>
    }
}

/// The page of an object (a zone, a domain) that does not exist or is someone else's: both look
/// the same, so that nobody learns what other accounts hold. Sets status 404 when
/// server-rendered.
#[component]
pub fn NotFoundPanel(
    /// "zone", "domain": what was asked for.
    kind: &'static str,
    /// The name as the visitor gave it.
    name: String,
    /// The list the object belongs in, and the words of the link back to it.
    list_href: &'static str,
    crumb: &'static str,
    back: &'static str,
) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    let mut title = kind.to_owned();
    title[..1].make_ascii_uppercase();
    view! {
        <section class="page-head">
            <p class="crumbs"><A href=list_href>{format!("← {crumb}")}</A></p>
            <h1>{format!("{title} not found")}</h1>
        </section>
        <section class="panel">
            <p>{format!("There is no {kind} “{name}” in your account.")}</p>
            <p><A href=list_href>{back}</A></p>
        </section>
    }
}

/// Dates are shown in UTC on purpose: the server renders the page first and cannot know the
/// visitor's time zone, and a different text in the browser would break hydration.
pub fn format_time(at: OffsetDateTime) -> String {
    let at = at.to_offset(UtcOffset::UTC);
    at.format(time::macros::format_description!(
        "[year]-[month]-[day] [hour]:[minute] UTC"
    ))
    .unwrap_or_else(|_| at.to_string())
}

/// Like [`format_time`], with a word for "no date".
pub fn format_optional_time(at: Option<OffsetDateTime>, none: &'static str) -> String {
    at.map(format_time).unwrap_or_else(|| none.to_string())
}

/// Turns the value of an `<input type="date">` (`YYYY-MM-DD`) into the end of that day, UTC:
/// a token "expiring on the 5th" should still work on the 5th.
pub fn end_of_day_utc(date: &str) -> Option<OffsetDateTime> {
    let date = time::Date::parse(
        date,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()?;
    let end = time::Time::from_hms(23, 59, 59).ok()?;
    Some(date.with_time(end).assume_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn times_are_shown_in_utc() {
        assert_eq!(
            format_time(datetime!(2026-11-21 13:05 +02:00)),
            "2026-11-21 11:05 UTC"
        );
        assert_eq!(format_optional_time(None, "never"), "never");
    }

    #[test]
    fn date_inputs_mean_the_end_of_that_day() {
        assert_eq!(
            end_of_day_utc("2027-01-05"),
            Some(datetime!(2027-01-05 23:59:59 UTC))
        );
        assert_eq!(end_of_day_utc(""), None);
        assert_eq!(end_of_day_utc("05.01.2027"), None);
    }
}
