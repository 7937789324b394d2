<?php

// Loaded by tests/php.sh with the PHP binding preloaded, once by the CLI and once as a
// request of `php -S` with ffi.enable=preload (what php-fpm runs): Libcs\Database and the
// FFI scope must come from preloading, since under ffi.enable=preload a request script may
// not use FFI itself. With ?autoload=1 it loads the classes itself instead, which the
// restricted server must refuse.

declare(strict_types=1);

use Libcs\Database;
use Libcs\Exception\LibraryNotLoaded;

header('Content-Type: text/plain; charset=utf-8');
if (($_GET['autoload'] ?? '') === '1') {
    require getenv('LIBCS_PHP_DIR') . '/autoload.php';
} elseif (!class_exists(Database::class, false)) {
    http_response_code(500);
    echo "Libcs\\Database was not preloaded\n";
    exit(1);
}

try {
    $db = new Database(getenv('LIBCS_PRELOAD_DB'));
} catch (LibraryNotLoaded $e) {
    http_response_code(500);
    echo 'not loaded: ', $e->getMessage(), "\n";
    exit(1);
}
$form = $db->channelList()['channels'][0]['id']
    ?? $db->channelCreate(kind: 'webform', name: 'Contact form')['id'];
$r = $db->ingest(channel_id: $form, sender: 'kim@example.com', subject: 'Preloaded', body: 'Hi');
$db->asCustomer($r['customer_id']);
$ticket = $db->ticketGet(id: $r['ticket_id'], messages: true);
printf("preloaded: libcs %s, ticket #%d with %d messages\n", Database::libraryVersion(),
       $ticket['number'], count($ticket['messages']));
