//! Copying to the clipboard: a copy button, and the box that shows a secret exactly once
//! (API tokens, TSIG keys, generated passwords).

use leptos::prelude::*;

use crate::components::ui::use_hydrated;

#[cfg(feature = "hydrate")]
mod clipboard {
    use wasm_bindgen::prelude::*;
    use wasm_bindgen_futures::{js_sys::Promise, JsFuture};

    #[wasm_bindgen]
    extern "C" {
        // `navigator.clipboard` exists only in secure contexts; `catch` turns its absence
        // into an error instead of an exception.
        #[wasm_bindgen(catch, js_namespace = ["navigator", "clipboard"], js_name = writeText)]
        fn write_text(text: &str) -> Result<Promise, JsValue>;
    }

    pub async fn write(text: &str) -> bool {
        match write_text(text) {
            Ok(promise) => JsFuture::from(promise).await.is_ok(),
            Err(_) => false,
        }
    }
}

/// Copies `text` to the clipboard; where the browser does not allow it, says to select the
/// text instead (it is always on the page beside the button).
#[component]
pub fn CopyButton(#[prop(into)] text: String) -> impl IntoView {
    let hydrated = use_hydrated();
    let copied = RwSignal::new(None::<bool>);
    let text = StoredValue::new(text);
    let on_click = move |_| {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let done = clipboard::write(&text.get_value()).await;
            copied.set(Some(done));
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = text;
    };
    view! {
        <button type="button" class="btn btn-quiet btn-small"
            disabled=move || !hydrated.get() on:click=on_click>
            {move || match copied.get() {
                Some(true) => "Copied",
                Some(false) => "Select the text to copy it",
                None => "Copy",
            }}
        </button>
    }
}

/// A secret shown once, right after it was made: a heading, what to do with it (`children`),
/// the secret itself (one click selects it; `testid` names it for the browser tests), a copy
/// button, and `done` (e.g. "I have copied it"), which runs `on_done` to close the box.
#[component]
pub fn SecretBox(
    #[prop(into)] title: String,
    #[prop(into)] secret: String,
    testid: &'static str,
    done: &'static str,
    on_done: Callback<()>,
    children: Children,
) -> impl IntoView {
    view! {
        <section class="secret-box" aria-live="polite">
            <h2>{title}</h2>
            <p>{children()}</p>
            <code class="secret" data-testid=testid>{secret.clone()}</code>
            <div class="form-actions">
                <CopyButton text=secret/>
                <button type="button" class="btn btn-quiet" on:click=move |_| on_done.run(())>{done}</button>
            </div>
        </section>
    }
}
