//! `/admin/users`: administrators create accounts, change roles and disable access.
//!
//! Customers get "Forbidden" without a call; the API enforces the same rule on its own
//! (403), which this page shows too should a role change while the page is open.

use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{self, CreateUserRequest, CreatedUser, Role, UpdateUserRequest, User};
use crate::components::copy::SecretBox;
use crate::components::layout::AdminOnly;
use crate::components::ui::{
    clear_input, field_error, format_time, input_value, invalid, use_hydrated, Alert, ErrorPanel,
    FieldMessage, Loading, Submission,
};

#[component]
pub fn UsersPage() -> impl IntoView {
    view! {
        <Title text="Users"/>
        <section class="page-head">
            <h1>"Users"</h1>
            <p class="muted">"Accounts that can log in to this Zonekeeper."</p>
        </section>
        <AdminOnly view=|user: User| view! { <UserAdmin me=user.id/> }/>
    }
}

/// The admin's view: create form and the list. `me` is the admin's own id, whose row gets no
/// actions (locking yourself out is never what was meant).
#[component]
fn UserAdmin(me: i64) -> impl IntoView {
    let create = Submission::<CreatedUser>::new();
    let update = Submission::<User>::new();
    let users = Resource::new(
        move || (create.version.get(), update.version.get()),
        |_| api::list_users(),
    );
    let update_error = update.general_error(&[]);
    // Kept apart from `create.result`: a later failed attempt must not wipe a generated
    // password that has not been passed on yet.
    let created = RwSignal::new(None::<CreatedUser>);
    Effect::new(move |_| {
        if let Some(Ok(new_user)) = create.result.get() {
            created.set(Some(new_user));
        }
    });
    view! {
        <CreatedNotice created/>
        <CreateUserForm create/>
        <section class="panel">
            <h2>"All users"</h2>
            {move || update_error.get().map(|msg| view! {
                <Alert kind="error">{format!("Could not change the user: {msg}")}</Alert>
            })}
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match users.await {
                        Ok(list) => view! { <UserTable users=list me update/> }.into_any(),
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// Confirms a new account; a generated password is shown here once.
#[component]
fn CreatedNotice(created: RwSignal<Option<CreatedUser>>) -> impl IntoView {
    move || {
        created.get().map(|new_user| {
            let email = new_user.user.email;
            match new_user.generated_password {
                Some(password) => view! {
                    <SecretBox title=format!("Account created for {email}") secret=password
                        testid="generated-password" done="Done"
                        on_done=Callback::new(move |()| created.set(None))>
                        "Its generated password is shown "<strong>"only this once"</strong>
                        ". Pass it on securely; the user can change it under Account."
                    </SecretBox>
                }
                .into_any(),
                None => view! {
                    <Alert kind="success">{format!("Account created for {email}.")}</Alert>
                }
                .into_any(),
            }
        })
    }
}

#[component]
fn CreateUserForm(create: Submission<CreatedUser>) -> impl IntoView {
    let hydrated = use_hydrated();
    let email = NodeRef::<html::Input>::new();
    let role = NodeRef::<html::Select>::new();
    let password = NodeRef::<html::Input>::new();

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let address = input_value(email).trim().to_owned();
        let chosen_role = match role.get_untracked().map(|el| el.value()).as_deref() {
            Some("admin") => Role::Admin,
            _ => Role::Customer,
        };
        let pass = input_value(password);
        let mut errors = Vec::new();
        if !address.contains('@') {
            errors.push(field_error("email", "Enter an email address."));
        }
        if let Some(problem) = (!pass.is_empty())
            .then(|| crate::api::types::password_problem(&pass))
            .flatten()
        {
            errors.push(field_error(
                "password",
                &format!("The password {problem}; or leave it empty to generate one."),
            ));
        }
        if !errors.is_empty() {
            create.reject(errors);
            return;
        }
        let req = CreateUserRequest {
            email: address,
            role: chosen_role,
            password: (!pass.is_empty()).then_some(pass),
        };
        create.run(api::create_user(&req));
    };

    Effect::new(move |_| {
        if matches!(create.result.get(), Some(Ok(_))) {
            clear_input(email);
            clear_input(password);
        }
    });

    let general = create.general_error(&["email", "role", "password"]);

    view! {
        <section class="panel">
            <h2>"Create a user"</h2>
            {move || general.get().map(|msg| view! { <Alert kind="error">{msg}</Alert> })}
            <form on:submit=on_submit class="form-row" novalidate>
                <div class="field grow">
                    <label for="user-email">"Email"</label>
                    <input node_ref=email id="user-email" name="email" type="email"
                        autocomplete="off" required aria-invalid=invalid(create.field("email")) aria-describedby="user-email-error"/>
                    <FieldMessage id="user-email-error" error=create.field("email")/>
                </div>
                <div class="field">
                    <label for="user-role">"Role"</label>
                    <select node_ref=role id="user-role" name="role" aria-invalid=invalid(create.field("role")) aria-describedby="user-role-error">
                        <option value="customer" selected>"Customer"</option>
                        <option value="admin">"Administrator"</option>
                    </select>
                    <FieldMessage id="user-role-error" error=create.field("role")/>
                </div>
                <div class="field grow">
                    <label for="user-password">"Password (optional)"</label>
                    <input node_ref=password id="user-password" name="password" type="password"
                        autocomplete="new-password" placeholder="Leave empty to generate one"
                        aria-invalid=invalid(create.field("password")) aria-describedby="user-password-error"/>
                    <FieldMessage id="user-password-error" error=create.field("password")/>
                </div>
                <div class="field actions">
                    <button type="submit" class="btn btn-primary"
                        disabled=move || !hydrated.get() || create.pending.get()>
                        {move || if create.pending.get() { "Creating…" } else { "Create user" }}
                    </button>
                </div>
            </form>
        </section>
    }
}

#[component]
fn UserTable(users: Vec<User>, me: i64, update: Submission<User>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="data" data-testid="users-table">
                <thead>
                    <tr>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Role"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Created"</th>
                        <th scope="col"><span class="sr-only">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {users
                        .into_iter()
                        .map(|user| {
                            let is_me = user.id == me;
                            view! { <UserRow user is_me update/> }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn UserRow(user: User, is_me: bool, update: Submission<User>) -> impl IntoView {
    let hydrated = use_hydrated();
    let id = user.id;
    let disabled = user.disabled;
    let other_role = match user.role {
        Role::Admin => Role::Customer,
        Role::Customer => Role::Admin,
    };
    let role_label = match user.role {
        Role::Admin => "administrator",
        Role::Customer => "customer",
    };
    let (status_text, status_class) = if disabled {
        ("disabled", "status status-off")
    } else {
        ("active", "status status-on")
    };
    let busy = move || !hydrated.get() || update.pending.get();
    let set_disabled = move |_| {
        let req = UpdateUserRequest {
            disabled: Some(!disabled),
            ..Default::default()
        };
        update.run(api::update_user(id, &req));
    };
    let set_role = move |_| {
        let req = UpdateUserRequest {
            role: Some(other_role),
            ..Default::default()
        };
        update.run(api::update_user(id, &req));
    };
    view! {
        <tr class:row-disabled=disabled>
            <td data-label="Email">
                {user.email}
                {is_me.then(|| view! { <span class="muted">" (you)"</span> })}
            </td>
            <td data-label="Role">
                <span class=if user.role == Role::Admin { "badge badge-strong" } else { "badge" }>
                    {role_label}
                </span>
            </td>
            <td data-label="Status">
                <span class=status_class>{status_text}</span>
            </td>
            <td data-label="Created">{format_time(user.created_at)}</td>
            <td class="row-actions">
                {(!is_me).then(|| view! {
                    <button type="button" class="btn btn-quiet" disabled=busy on:click=set_role>
                        {if other_role == Role::Admin { "Make administrator" } else { "Make customer" }}
                    </button>
                    <button type="button"
                        class=if disabled { "btn btn-quiet" } else { "btn btn-danger-quiet" }
                        disabled=busy on:click=set_disabled>
                        {if disabled { "Enable" } else { "Disable" }}
                    </button>
                })}
            </td>
        </tr>
    }
}
