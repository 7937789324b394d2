<?php

// A small shop's customer service on libcs, in plain PHP:
//
//   /             the contact form; sending it shows the receipt (number, promise, owner)
//   /my           "my requests" for a logged-in customer, each with its timeline and a reply box
//   /agent        the agents' inbox, most urgent first, with replies and internal notes
//
// Run it with PHP's built-in server (examples/php-shop/README.md):
//   php -d ffi.enable=1 -S 127.0.0.1:8080 -t examples/php-shop/public examples/php-shop/public/index.php

declare(strict_types=1);

use Libcs\Database;
use Libcs\Exception\LibcsException;
use Libcs\Exception\NotFound;

$path = parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH) ?: '/';
if (PHP_SAPI === 'cli-server' && $path === '/style.css') {
    return false; // the built-in server sends the file itself
}

require dirname(__DIR__) . '/src/web.php';
require dirname(__DIR__) . '/src/helpdesk.php';

start_session();
$post = ($_SERVER['REQUEST_METHOD'] ?? 'GET') === 'POST';
if ($post) {
    check_csrf();
}

match ([$post, $path]) {
    [false, '/'] => contact_form(),
    [true, '/contact'] => contact_send(),
    [false, '/receipt'] => receipt(),
    [false, '/login'] => customer_login_form(),
    [true, '/login'] => customer_login(),
    [true, '/logout'] => logout('customer_id', '/'),
    [false, '/my'] => my_requests(),
    [false, '/my/ticket'] => my_ticket(),
    [true, '/my/ticket'] => my_reply(),
    [false, '/agent/login'] => agent_login_form(),
    [true, '/agent/login'] => agent_login(),
    [true, '/agent/logout'] => logout('agent_id', '/agent/login'),
    [false, '/agent'] => inbox(),
    [false, '/agent/ticket'] => agent_ticket(),
    [true, '/agent/reply'] => agent_answer(false),
    [true, '/agent/note'] => agent_answer(true),
    default => page(404, 'Not found', '<p>There is no such page.</p>'),
};

// --- the contact form -------------------------------------------------------------------

/** @param array<string, string> $values @param array<string, string> $errors */
function contact_form(array $values = [], array $errors = []): never
{
    $input = function (string $name, string $label, string $type, string $autocomplete) use ($values, $errors): string {
        $error = isset($errors[$name]) ? '<span class="error">' . h($errors[$name]) . '</span>' : '';
        return '<label for="' . $name . '">' . $label . '</label>' . $error
            . '<input id="' . $name . '" name="' . $name . '" type="' . $type . '" autocomplete="'
            . $autocomplete . '" required value="' . h($values[$name] ?? '') . '">';
    };
    $error = isset($errors['message']) ? '<span class="error">' . h($errors['message']) . '</span>' : '';
    page($errors ? 422 : 200, 'Contact us', '<p class="lead">Questions about an order, a return or a product? '
        . 'Write to us: you get a request number and the time by which we answer, at once.</p>'
        . '<form method="post" action="/contact" class="card" id="contact">' . csrf_field()
        . $input('name', 'Your name', 'text', 'name')
        . $input('email', 'Your email', 'email', 'email')
        . $input('subject', 'Subject', 'text', 'off')
        . '<label for="message">Message</label>' . $error
        . '<textarea id="message" name="message" rows="6" required>' . h($values['message'] ?? '')
        . '</textarea><button type="submit">Send</button></form>');
}

function contact_send(): never
{
    $values = ['name' => field('name'), 'email' => field('email'), 'subject' => field('subject'),
               'message' => field('message')];
    $errors = [];
    foreach (['name' => 200, 'subject' => 300, 'message' => 20000] as $name => $bytes) {
        $errors[$name] = match (true) {
            $values[$name] === '' => 'Please fill this in.',
            preg_match('//u', $values[$name]) !== 1 => 'Please use plain text.',
            strlen($values[$name]) > $bytes => 'This is too long.',
            default => null,
        };
    }
    if (filter_var($values['email'], FILTER_VALIDATE_EMAIL) === false) {
        $errors['email'] = 'Please give an email address we can answer to.';
    }
    $errors = array_filter($errors);
    if ($errors) {
        contact_form($values, $errors);
    }
    $db = system_db();
    try {
        $r = $db->ingest(channel_id: shop_config()['channel_id'], sender: $values['email'],
                         sender_name: $values['name'], subject: $values['subject'],
                         body: $values['message']);
    } catch (LibcsException $e) {
        $name = match ($e->getField()) { 'sender' => 'email', 'body' => 'message', default => 'subject' };
        contact_form($values, [$name => $e->getMessage()]);
    }
    $ticket = $db->ticketGet(id: $r['ticket_id']);
    // Shown once, to this browser: a receipt page never takes a ticket number from the URL.
    $_SESSION['receipt'] = ['number' => $r['ticket_number'], 'subject' => $ticket['subject'],
                            'promised_at' => $r['promised_at'], 'owner' => owner_name($ticket),
                            'name' => $values['name'], 'email' => $values['email']];
    redirect('/receipt');
}

function receipt(): never
{
    $r = $_SESSION['receipt'] ?? null;
    if ($r === null) {
        redirect('/');
    }
    $promise = $r['promised_at'] !== null ? when($r['promised_at']) : 'as soon as we can';
    page(200, 'Thank you, ' . $r['name'], '<div class="card receipt" id="receipt">'
        . '<p>We have your message and will answer at <strong>' . h($r['email']) . '</strong>.</p>'
        . '<dl><dt>Request number</dt><dd id="ticket-number">#' . h($r['number']) . '</dd>'
        . '<dt>Subject</dt><dd id="ticket-subject">' . h($r['subject']) . '</dd>'
        . '<dt>We answer by</dt><dd id="promised-at"><time datetime="' . h($r['promised_at'] ?? '') . '">'
        . h($promise) . '</time></dd>'
        . '<dt>Handled by</dt><dd id="owner">' . h($r['owner']) . '</dd></dl></div>'
        . '<p>Follow your request and answer us under <a href="/my">My requests</a>.</p>');
}

// --- the customer's requests ------------------------------------------------------------

function customer_login_form(string $error = ''): never
{
    page($error ? 422 : 200, 'My requests', ($error ? '<p class="error">' . h($error) . '</p>' : '')
        . '<p class="demo">Demo login: in your shop the customer is whoever is logged in to the shop. '
        . 'Here, give the email address you wrote from.</p>'
        . '<form method="post" action="/login" class="card" id="login">' . csrf_field()
        . '<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="email" required>'
        . '<button type="submit">Show my requests</button></form>');
}

function customer_login(): never
{
    $id = customer_by_email(field('email'));
    if ($id === null) {
        customer_login_form('We have no requests from that address.');
    }
    renew_session();
    $_SESSION['customer_id'] = $id;
    redirect('/my');
}

function logout(string $key, string $to): never
{
    unset($_SESSION[$key]);
    renew_session();
    redirect($to, 'You are logged out.');
}

/** The logged-in customer's handle; the login page for everyone else. */
function customer(): Database
{
    return customer_db() ?? redirect('/login');
}

function my_requests(): never
{
    $rows = '';
    foreach (customer()->tickets(['order' => 'desc', 'limit' => 50]) as $t) {
        $rows .= '<li><a href="/my/ticket?number=' . h($t['number']) . '"><span class="number">#'
            . h($t['number']) . '</span> <span class="subject">' . h($t['subject']) . '</span>'
            . '<span class="status status-' . h($t['status']) . '">' . h($t['status']) . '</span>'
            . '<small>' . h(when($t['updated_at'])) . '</small></a></li>';
    }
    page(200, 'My requests', $rows === '' ? '<p>You have no requests yet.</p>'
        : '<ul class="tickets" id="my-requests">' . $rows . '</ul>');
}

/** The customer's ticket by the number in the URL: libcs answers only their own. */
function my_ticket_or_404(): array
{
    $db = customer();
    $number = query_int('number');
    try {
        if ($number !== null) {
            return $db->ticketGet(number: $number, messages: true);
        }
    } catch (NotFound) {
    }
    page(404, 'No such request', '<p>We found no request of yours with that number. '
        . '<a href="/my">See all your requests</a>.</p>');
}

function my_ticket(): never
{
    $t = my_ticket_or_404();
    page(200, '#' . $t['number'] . ' ' . $t['subject'], status_line($t) . timeline($t['messages'], false)
        . '<form method="post" action="/my/ticket?number=' . h($t['number']) . '" class="card" id="reply">'
        . csrf_field() . '<label for="body">Your answer</label>'
        . '<textarea id="body" name="body" rows="4" required></textarea>'
        . '<button type="submit">Send</button></form>');
}

function my_reply(): never
{
    $t = my_ticket_or_404();
    $body = field('body');
    if ($body !== '') {
        customer()->messageCreate(ticket_id: $t['id'], body: $body);
    }
    redirect('/my/ticket?number=' . $t['number'], $body !== '' ? 'Sent. We will get back to you.' : null);
}

// --- the agents' inbox ------------------------------------------------------------------

function agent_login_form(): never
{
    $options = '';
    foreach (shop_config()['agents'] as $agent) {
        $options .= '<option value="' . h($agent['id']) . '">' . h($agent['name']) . '</option>';
    }
    page(200, 'Sign in', '<p class="demo">Demo login: in your shop the agent is the logged-in member of staff.</p>'
        . '<form method="post" action="/agent/login" class="card" id="agent-login">' . csrf_field()
        . '<label for="agent">Who are you?</label><select id="agent" name="agent">' . $options
        . '</select><button type="submit">Open the inbox</button></form>', 'agent');
}

function agent_login(): never
{
    $agent = staff_member((int) field('agent'));
    if ($agent === null) {
        agent_login_form();
    }
    renew_session();
    $_SESSION['agent_id'] = $agent['id'];
    redirect('/agent');
}

/** The logged-in agent's handle; the sign-in page for everyone else. */
function agent(): Database
{
    return agent_db() ?? redirect('/agent/login');
}

/** The queue: open tickets by their earliest running deadline (sla.queue), then the rest. */
function inbox(): never
{
    $db = agent();
    $rows = '';
    foreach ($db->slaQueue(limit: 100)['items'] as $item) {
        $t = $db->ticketGet(id: $item['ticket_id']);
        $late = $item['target_at'] !== null && strtotime($item['target_at']) < time();
        $rows .= '<li class="' . ($late ? 'late' : '') . '" data-number="' . h($t['number']) . '">'
            . '<a href="/agent/ticket?id=' . h($t['id']) . '"><span class="number">#' . h($t['number'])
            . '</span> <span class="subject">' . h($t['subject']) . '</span>'
            . '<span class="priority priority-' . h($t['priority']) . '">' . h($t['priority']) . '</span>'
            . '<small class="due" title="' . h(when($item['target_at'])) . '">' . h(due($item['target_at']))
            . ($item['metric'] !== null ? ' · ' . h(str_replace('_', ' ', $item['metric'])) : '')
            . '</small></a></li>';
    }
    $me = staff_member($_SESSION['agent_id'])['name'] ?? '';
    page(200, 'Inbox', '<p>Signed in as <strong>' . h($me) . '</strong>. Most urgent first.</p>'
        . ($rows === '' ? '<p>Nothing waiting.</p>' : '<ol class="tickets" id="inbox">' . $rows . '</ol>'), 'agent');
}

/** The ticket in ?id= as the agent may see it. */
function agent_ticket_or_404(): array
{
    $db = agent();
    $id = query_int('id');
    try {
        if ($id !== null) {
            return $db->ticketGet(id: $id, messages: true);
        }
    } catch (NotFound) {
    }
    page(404, 'No such ticket', '<p><a href="/agent">Back to the inbox</a></p>', 'agent');
}

function agent_ticket(): never
{
    $t = agent_ticket_or_404();
    $customer = agent()->customerGet(id: $t['customer_id']);
    $form = fn (string $action, string $id, string $label, string $button) =>
        '<form method="post" action="' . $action . '?id=' . h($t['id']) . '" class="card" id="' . $id . '">'
        . csrf_field() . '<label for="' . $id . '-body">' . $label . '</label>'
        . '<textarea id="' . $id . '-body" name="body" rows="4" required></textarea>'
        . '<button type="submit">' . $button . '</button></form>';
    page(200, '#' . $t['number'] . ' ' . $t['subject'], status_line($t)
        . '<p>From <strong>' . h($customer['name']) . '</strong> '
        . h(implode(', ', array_column($customer['identities'], 'value'))) . '</p>'
        . timeline($t['messages'], true)
        . '<div class="answers">' . $form('/agent/reply', 'reply', 'Reply to the customer', 'Send reply')
        . $form('/agent/note', 'note', 'Internal note (agents only)', 'Add note') . '</div>', 'agent');
}

function agent_answer(bool $internal): never
{
    $t = agent_ticket_or_404();
    $body = field('body');
    if ($body !== '') {
        $internal
            ? agent()->messageCreate(ticket_id: $t['id'], body: $body, visibility: 'internal')
            : agent()->reply(ticket_id: $t['id'], body: $body);
    }
    redirect('/agent/ticket?id=' . $t['id'], $body === '' ? null : ($internal ? 'Note added.' : 'Reply sent.'));
}

// --- shared pieces ----------------------------------------------------------------------

/** @param array<string, mixed> $t */
function status_line(array $t): string
{
    return '<p class="meta">Status <span class="status status-' . h($t['status']) . '">' . h($t['status'])
        . '</span> · opened ' . h(when($t['created_at'])) . '</p>';
}

/**
 * The messages, oldest first. Agents see who wrote and the internal notes (customers'
 * handles never receive those from libcs).
 *
 * @param list<array<string, mixed>> $messages
 */
function timeline(array $messages, bool $forAgent): string
{
    $html = '<ol class="timeline" id="timeline">';
    foreach ($messages as $m) {
        $kind = $m['author']['kind'];
        $who = match ($kind) {
            'customer' => $forAgent ? 'Customer' : 'You',
            'agent' => $forAgent ? (staff_member((int) $m['author']['id'])['name'] ?? 'Agent') : SUPPORT_GROUP,
            default => 'Automatic receipt',
        };
        $internal = $m['visibility'] === 'internal';
        $html .= '<li class="message from-' . h($kind) . ($internal ? ' internal' : '') . '">'
            . '<div class="head"><strong>' . h($who) . '</strong>'
            . ($internal ? ' <span class="tag">internal note</span>' : '')
            . ' <time datetime="' . h($m['created_at']) . '">' . h(when($m['created_at'])) . '</time></div>'
            . '<div class="body">' . text_block($m['body']) . '</div></li>';
    }
    return $html . '</ol>';
}
