<?php

// The shop's side of libcs: opening the helpdesk for one request, acting as whoever is
// logged in, and the shop's own helpdesk setup. Everything here is ordinary shop code
// around Libcs\Database.

declare(strict_types=1);

use Libcs\Database;
use Libcs\Exception\InvalidArgument;
use Libcs\Exception\NotFound;

if (!class_exists(Database::class)) { // preloaded under php-fpm (docs/php.md)
    require dirname(__DIR__, 3) . '/bindings/php/autoload.php';
}

const SHOP_NAME = 'Fjord & Fern';
const FORM_CHANNEL = 'Contact form';
const SUPPORT_GROUP = 'Customer care';
/** The shop's staff who answer customers; setup makes each one a libcs agent. */
const STAFF = [
    ['name' => 'Anna Berger', 'email' => 'anna@fjordfern.example'],
    ['name' => 'Ben Okafor', 'email' => 'ben@fjordfern.example'],
];

/** The helpdesk database's file: $LIBCS_SHOP_DB, else shop.db beside the example. */
function database_path(): string
{
    $path = getenv('LIBCS_SHOP_DB');
    return is_string($path) && $path !== '' ? $path : dirname(__DIR__) . '/shop.db';
}

/**
 * The helpdesk acting as the shop itself (the system): for the public contact form, the
 * demo logins and the setup. Each actor gets a handle of its own, set once from the
 * session, so no page can lose track of who it acts as.
 */
function system_db(): Database
{
    static $db = null;
    if ($db === null) {
        $db = new Database(database_path());
        shop_config($db); // the first request sets the helpdesk up
    }
    return $db;
}

/** The helpdesk acting as the customer logged in to this session, or null. */
function customer_db(): ?Database
{
    static $db = null;
    $id = $_SESSION['customer_id'] ?? null;
    if ($db === null && is_int($id)) {
        system_db();
        $db = (new Database(database_path(), create: false))->asCustomer($id);
    }
    return $db;
}

/** The helpdesk acting as the agent logged in to this session, or null. */
function agent_db(): ?Database
{
    static $db = null;
    $id = $_SESSION['agent_id'] ?? null;
    if ($db === null && is_int($id)) {
        system_db();
        $db = (new Database(database_path(), create: false))->asAgent($id);
    }
    return $db;
}

/**
 * What the shop keeps about its helpdesk (channel, group, agents' ids): in a real shop a
 * table of its own; here a JSON file beside the database, written once by the setup.
 *
 * @return array{channel_id: int, group_id: int, agents: list<array{id: int, name: string, email: string}>}
 */
function shop_config(?Database $db = null): array
{
    static $config = null;
    if ($config !== null) {
        return $config;
    }
    $file = database_path() . '.shop.json';
    $text = is_file($file) ? file_get_contents($file) : false;
    if ($text === false) {
        $config = set_up($db ?? system_db());
        $tmp = $file . '.' . bin2hex(random_bytes(4));
        file_put_contents($tmp, json_encode($config, JSON_PRETTY_PRINT));
        rename($tmp, $file);
    } else {
        $config = json_decode($text, true, 8, JSON_THROW_ON_ERROR);
    }
    return $config;
}

/**
 * The shop's helpdesk: a web form channel answered by the customer-care group, its staff
 * as agents, and the promise a receipt makes (first reply within 4 hours; 2 for high
 * priority, 1 for urgent).
 *
 * @return array{channel_id: int, group_id: int, agents: list<array{id: int, name: string, email: string}>}
 */
function set_up(Database $db): array
{
    return $db->transaction(function (Database $db): array {
        $group = $db->groupCreate(name: SUPPORT_GROUP)['id'];
        $channel = $db->channelCreate(kind: 'webform', name: FORM_CHANNEL, default_group_id: $group);
        $agents = [];
        foreach (STAFF as $person) {
            $agent = $db->agentCreate(name: $person['name'], email: $person['email']);
            $db->groupAddAgent(group_id: $group, agent_id: $agent['id']);
            $agents[] = ['id' => $agent['id']] + $person;
        }
        $db->slaPolicyCreate(
            name: 'Contact form',
            conditions: [['kind' => 'channel_kind', 'value' => 'webform']],
            targets: [
                ['metric' => 'first_reply', 'seconds' => 4 * 3600],
                ['metric' => 'first_reply', 'priority' => 'high', 'seconds' => 2 * 3600],
                ['metric' => 'first_reply', 'priority' => 'urgent', 'seconds' => 3600],
            ],
        );
        return ['channel_id' => $channel['id'], 'group_id' => $group, 'agents' => $agents];
    });
}

/** One of the shop's agents by id, or null. */
function staff_member(int $id): ?array
{
    foreach (shop_config()['agents'] as $agent) {
        if ($agent['id'] === $id) {
            return $agent;
        }
    }
    return null;
}

/**
 * Who answers a ticket, as the receipt names it: the assigned agent, else the group.
 *
 * @param array<string, mixed> $ticket
 */
function owner_name(array $ticket): string
{
    if (is_int($ticket['assignee_id'])) {
        return staff_member($ticket['assignee_id'])['name'] ?? SUPPORT_GROUP;
    }
    return SUPPORT_GROUP;
}

/** A customer's id by the email address they wrote from, or null. */
function customer_by_email(string $email): ?int
{
    try {
        return system_db()->customerFind(kind: 'email', value: $email)['id'];
    } catch (NotFound | InvalidArgument) {
        return null;
    }
}
