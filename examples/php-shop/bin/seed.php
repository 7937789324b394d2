<?php

// Two earlier requests for the demo inbox, from customers who wrote to the shop before:
// a return (high priority: answered within 2 hours) and a damaged delivery (urgent: within
// 1 hour). The inbox lists them by deadline, not by age.
//
//     LIBCS_SHOP_DB=shop.db php examples/php-shop/bin/seed.php

declare(strict_types=1);

use Libcs\Database;

require dirname(__DIR__) . '/src/helpdesk.php';

$db = system_db();
$channel = shop_config()['channel_id'];
$requests = [
    ['Lena Vik', 'lena@example.org', 'Return of a wool blanket', 'high',
     "I would like to return the blanket from order 1017. How do I do that?"],
    ['Omar Haddad', 'omar@example.net', 'Lamp arrived broken', 'urgent',
     "The ceramic lamp from order 1031 arrived in pieces. I need it for Saturday."],
];
$db->transaction(function (Database $db) use ($channel, $requests): void {
    foreach ($requests as [$name, $email, $subject, $priority, $body]) {
        $r = $db->ingest(channel_id: $channel, sender: $email, sender_name: $name,
                         subject: $subject, body: $body);
        $db->ticketUpdate(id: $r['ticket_id'], priority: $priority);
        printf("#%d %s (%s)\n", $r['ticket_number'], $subject, $priority);
    }
});
