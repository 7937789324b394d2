<?php

// Plain PHP web plumbing: the session, CSRF tokens, escaping and the page layout.

declare(strict_types=1);

/** Text for HTML: everything that did not come from this file goes through h(). */
function h(string|int|null $value): string
{
    return htmlspecialchars((string) $value, ENT_QUOTES | ENT_SUBSTITUTE | ENT_HTML5, 'UTF-8');
}

/** Multi-line text (a message body) for HTML. */
function text_block(string $text): string
{
    return nl2br(h($text), false);
}

function start_session(): void
{
    session_start([
        'name' => 'shop_session',
        'cookie_httponly' => true,
        'cookie_samesite' => 'Lax',
        'use_strict_mode' => true,
        'use_only_cookies' => true,
    ]);
    $_SESSION['csrf'] ??= bin2hex(random_bytes(32));
}

/** The hidden field every form carries. */
function csrf_field(): string
{
    return '<input type="hidden" name="csrf" value="' . h($_SESSION['csrf']) . '">';
}

/** Refuse a POST whose token is not this session's (a form posted from another site). */
function check_csrf(): void
{
    $token = $_POST['csrf'] ?? null;
    if (!is_string($token) || !hash_equals($_SESSION['csrf'], $token)) {
        page(403, 'Form expired', '<p>This form has expired. Please go back, reload the page and try again.</p>');
    }
}

/** A new session id on login and logout, so that no earlier id carries the new rights. */
function renew_session(): void
{
    session_regenerate_id(true);
    $_SESSION['csrf'] = bin2hex(random_bytes(32));
}

/** A POST field as trimmed text, "" when missing. */
function field(string $name): string
{
    $value = $_POST[$name] ?? '';
    return is_string($value) ? trim($value) : '';
}

/** A query parameter as a positive integer, or null. */
function query_int(string $name): ?int
{
    $value = filter_var($_GET[$name] ?? null, FILTER_VALIDATE_INT, ['options' => ['min_range' => 1]]);
    return $value === false ? null : $value;
}

/** Redirect after a POST, with a note for the next page. */
function redirect(string $path, ?string $flash = null): never
{
    if ($flash !== null) {
        $_SESSION['flash'] = $flash;
    }
    header('Location: ' . $path, true, 303);
    exit;
}

/** "Wed 2 Dec, 18:20 UTC" for an ISO 8601 time from libcs. */
function when(?string $iso): string
{
    if ($iso === null) {
        return '—';
    }
    return (new DateTimeImmutable($iso))->format('D j M, H:i') . ' UTC';
}

/** "in 3 h 59 min", "2 h 5 min overdue". */
function due(?string $iso): string
{
    if ($iso === null) {
        return 'no deadline';
    }
    $seconds = (new DateTimeImmutable($iso))->getTimestamp() - time();
    $minutes = intdiv(abs($seconds), 60);
    $span = ($minutes >= 60 ? intdiv($minutes, 60) . ' h ' : '') . ($minutes % 60) . ' min';
    return $seconds >= 0 ? "in $span" : "$span overdue";
}

/** Send a whole page and stop. $body is HTML the caller escaped. */
function page(int $status, string $title, string $body, string $area = 'shop'): never
{
    http_response_code($status);
    header('Content-Type: text/html; charset=utf-8');
    header("Content-Security-Policy: default-src 'self'; form-action 'self'; frame-ancestors 'none'");
    header('X-Content-Type-Options: nosniff');
    header('Referrer-Policy: same-origin');
    $flash = $_SESSION['flash'] ?? null;
    unset($_SESSION['flash']);
    $nav = $area === 'agent'
        ? '<a href="/agent">Inbox</a>' . (isset($_SESSION['agent_id']) ? logout_button('/agent/logout') : '')
        : '<a href="/">Contact</a><a href="/my">My requests</a>'
            . (isset($_SESSION['customer_id']) ? logout_button('/logout') : '');
    $brand = $area === 'agent' ? SHOP_NAME . ' · Support inbox' : SHOP_NAME;
    echo '<!doctype html><html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<title>', h($title), ' · ', h(SHOP_NAME), '</title>',
        '<link rel="stylesheet" href="/style.css"></head>',
        '<body class="', h($area), '"><header><a class="brand" href="', $area === 'agent' ? '/agent' : '/', '">',
        h($brand), '</a><nav>', $nav, '</nav></header><main>',
        $flash !== null ? '<p class="flash" role="status">' . h($flash) . '</p>' : '',
        '<h1>', h($title), '</h1>', $body, '</main></body></html>';
    exit;
}

function logout_button(string $action): string
{
    return '<form method="post" action="' . h($action) . '" class="inline">' . csrf_field()
        . '<button class="link">Log out</button></form>';
}
